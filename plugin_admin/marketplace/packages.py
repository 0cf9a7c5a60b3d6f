"""Plugin packages: reproducible packing, sha256, and extraction that refuses hostile zips.

A package is a zip of a plugin folder, with the files at the zip root or under one top-level
folder (CONTRACT.md). Packing is reproducible — sorted entries, fixed timestamps and
permissions, stored (uncompressed) members — so the same sources always give the same bytes
and the same sha256, whatever zlib build is installed.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import PackageError
from ..manifest import Manifest, read_manifest
from ..permissions import check_known

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
EXCLUDED_DIRS = {"__pycache__", "data", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ExtractLimits:
    """What an extracted package may hold (from settings; small in tests)."""

    max_files: int = 1000
    max_total_bytes: int = 100 * 1024 * 1024
    max_ratio: float = 100.0


def sha256_hex(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def package_files(plugin_dir: Path) -> list[Path]:
    """The files a package of ``plugin_dir`` holds, sorted (no caches, data or dot-files)."""
    files = []
    for root, dirs, names in os.walk(plugin_dir):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS and not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            if name.startswith(".") or name.endswith(EXCLUDED_SUFFIXES) or path.is_symlink():
                continue
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(plugin_dir).as_posix())


def pack_plugin(plugin_dir: Path, plugin_id: str | None = None) -> tuple[bytes, Manifest]:
    """Validate ``plugin_dir`` and zip it; returns (bytes, manifest).

    When ``plugin_id`` is given the manifest must declare it (a catalogue source folder is
    named after its version, so the folder name is not checked).
    """
    plugin_dir = Path(plugin_dir)
    if not (plugin_dir / "__init__.py").is_file():
        raise PackageError(f"{plugin_dir} has no __init__.py: it is not a plugin folder.")
    manifest = read_manifest(plugin_dir, expected_id=plugin_id)
    check_known(manifest.plugin_id, manifest.permissions)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in package_files(plugin_dir):
            info = zipfile.ZipInfo(path.relative_to(plugin_dir).as_posix(), FIXED_DATE)
            info.create_system = 3  # unix, so the permission bits below are honoured
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue(), manifest


def package_name(plugin_id: str, version: str) -> str:
    return f"{plugin_id}-{version}.zip"


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name or "\\" in name:
        return "has a backslash or NUL byte in its name"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the package with '..'"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return "is a symbolic link"
    kind = stat.S_IFMT(mode)  # 0 when only permission bits are set (zipfile's writestr)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "is a special file (device, fifo or socket)"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def _strip_prefix(names: list[str]) -> str:
    """'' for the root layout, 'folder/' when every member lives under one top-level folder."""
    if "plugin.json" in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        top = tops.pop() + "/"
        if top + "plugin.json" in names:
            return top
    raise PackageError(
        "The package holds no plugin.json, neither at the zip root nor under one top-level "
        "folder; build it with `plugin-admin pack PLUGIN_DIR`."
    )


def safe_extract(data: bytes, dest: Path, limits: ExtractLimits) -> None:
    """Extract a package into ``dest`` (created), refusing anything unsafe before writing."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PackageError(f"The package is not a valid zip file ({exc}).") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise PackageError(
                f"The package holds {len(infos)} entries, more than the {limits.max_files} "
                "allowed; a plugin package should hold only its source files."
            )
        seen: set[str] = set()
        total = 0
        for info in infos:
            problem = _member_problem(info)
            if problem:
                raise PackageError(f"Refused package: member {info.filename!r} {problem}.")
            if info.filename in seen:
                raise PackageError(f"Refused package: member {info.filename!r} appears twice.")
            seen.add(info.filename)
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                raise PackageError(
                    f"Refused package: member {info.filename!r} expands {info.file_size} bytes "
                    f"from {info.compress_size} (ratio over {limits.max_ratio:g}), typical of a "
                    "zip bomb."
                )
        if total > limits.max_total_bytes:
            raise PackageError(
                f"Refused package: it expands to {total} bytes, over the "
                f"{limits.max_total_bytes} byte limit."
            )
        files = [i for i in infos if not i.is_dir()]
        prefix = _strip_prefix([i.filename for i in files])
        dest.mkdir(parents=True, exist_ok=False)
        written = 0
        for info in files:
            if not info.filename.startswith(prefix):
                raise PackageError(
                    f"Refused package: {info.filename!r} is outside its top-level folder."
                )
            relative = info.filename[len(prefix) :]
            target = dest.joinpath(*PurePosixPath(relative).parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError:  # e.g. members 'a' then 'a/b': 'a' is a file, not a folder
                raise PackageError(
                    f"Refused package: {info.filename!r} lies inside another member that is a "
                    "file, not a folder."
                ) from None
            written += _copy_member(archive, info, target, limits.max_total_bytes - written)


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member, counting real bytes (headers can lie about sizes)."""
    count = 0
    try:
        with archive.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(CHUNK):
                count += len(chunk)
                if count > info.file_size or count > budget:
                    raise PackageError(
                        f"Refused package: member {info.filename!r} expands beyond its declared "
                        "size or the size limit."
                    )
                sink.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        if isinstance(exc, FileExistsError):
            raise PackageError(f"Refused package: {info.filename!r} is written twice.") from None
        raise PackageError(f"The package is damaged at {info.filename!r} ({exc}).") from None
    target.chmod(0o644)
    return count
