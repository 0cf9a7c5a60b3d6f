"""File-name and MIME helpers for the attachment policy."""

from __future__ import annotations

import unicodedata

# Extensions whose content is expected to carry one of these MIME types.
EXPECTED_MIME_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint"}),
    "pptx": frozenset(
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation"}
    ),
    "txt": frozenset({"text/plain"}),
    "csv": frozenset({"text/csv", "text/plain", "application/vnd.ms-excel"}),
    "html": frozenset({"text/html"}),
    "htm": frozenset({"text/html"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "svg": frozenset({"image/svg+xml"}),
    "zip": frozenset({"application/zip", "application/x-zip-compressed"}),
    "7z": frozenset({"application/x-7z-compressed"}),
    "rar": frozenset({"application/vnd.rar", "application/x-rar-compressed"}),
    "ics": frozenset({"text/calendar"}),
    "eml": frozenset({"message/rfc822"}),
}
# MIME types that mean "this is a program" whatever the file is called.
EXECUTABLE_MIME_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-msdos-program",
        "application/x-executable",
        "application/x-sh",
        "application/x-bat",
        "application/java-archive",
        "application/x-ms-shortcut",
        "application/hta",
    }
)
GENERIC_MIME_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})
ARCHIVE_EXTENSIONS = frozenset({"zip", "7z", "rar", "tar", "gz", "tgz", "bz2", "xz", "cab", "iso"})
DECOY_EXTENSIONS = frozenset(
    {
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "txt",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "csv",
        "rtf",
        "odt",
        "mp3",
        "mp4",
        "zip",
    }
)
ENCRYPTION_HINTS = ("encrypted", "password", "protected", "passwort", "chiffr")
# Bidirectional overrides and other invisible characters used to hide a real extension.
DECEPTIVE_CHARACTERS = frozenset({"\u202e", "\u202d", "\u200e", "\u200f", "\u2066", "\u2067"})


def extensions(filename: str) -> list[str]:
    """All dot-separated extensions, lower-cased: "Invoice.PDF.exe" -> ["pdf", "exe"]."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".").strip()
    parts = base.split(".")
    return [p.strip().lower() for p in parts[1:] if p.strip()] if len(parts) > 1 else []


def has_deceptive_name(filename: str) -> bool:
    """Invisible direction marks, control characters or trailing dots/spaces in a name."""
    if any(ch in DECEPTIVE_CHARACTERS for ch in filename):
        return True
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in filename):
        return True
    return filename != filename.rstrip(". ") or "  " in filename


def normalize_mime(content_type: str | None) -> str:
    """ "Application/PDF; name=x" -> "application/pdf"."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def megabytes(size_bytes: int) -> float:
    return round(size_bytes / (1024 * 1024), 2)
