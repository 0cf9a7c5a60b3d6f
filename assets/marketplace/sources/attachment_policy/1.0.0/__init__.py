"""Attachment Policy: refuses dangerous attachments (executables, double extensions,
mislabelled MIME types, oversized files, password-protected archives)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import utils

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)


class AttachmentPolicyPlugin(PluginInterface):
    """Checks attachment lists against the configured policy."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            plugin_id=MANIFEST["plugin_id"],
            name=MANIFEST["name"],
            version=MANIFEST["version"],
            author=MANIFEST["author"],
            description=MANIFEST["description"],
            license=MANIFEST.get("license", "MIT"),
            homepage=MANIFEST.get("homepage"),
            repository=MANIFEST.get("repository"),
            dependencies=list(MANIFEST.get("dependencies", [])),
            permissions=list(MANIFEST.get("permissions", [])),
            security_level=PluginSecurityLevel(MANIFEST.get("security_level", "standard")),
            tags=list(MANIFEST.get("tags", [])),
        )

    async def initialize(self, config: dict[str, Any]) -> bool:
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        return True

    async def shutdown(self) -> bool:
        return True

    def get_capabilities(self) -> list[str]:
        return list(MANIFEST.get("capabilities", []))

    def get_required_permissions(self) -> list[str]:
        return list(MANIFEST.get("permissions", []))

    async def execute_hook(self, hook_name: str, *args: Any, **kwargs: Any) -> Any:
        handlers = {"check_attachments": self.check_attachments}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _check_one(self, attachment: dict[str, Any]) -> list[dict[str, str]]:
        cfg = self.config
        name = str(attachment["filename"])
        blocked = {e.lower().lstrip(".") for e in cfg["blocked_extensions"]}
        exts = utils.extensions(name)
        mime = utils.normalize_mime(attachment.get("content_type"))
        found: list[tuple[str, str, str]] = []  # (rule, severity, message)

        if not exts:
            found.append(("no_extension", "warn", "file has no extension"))
        elif exts[-1] in blocked:
            found.append(("blocked_extension", "block", f".{exts[-1]} files are not allowed"))
        double = len(exts) >= 2 and exts[-2] in utils.DECOY_EXTENSIONS and exts[-1] in blocked
        if cfg["block_double_extensions"] and double:
            found.append(
                ("double_extension", "block", f"looks like a .{exts[-2]} but is a .{exts[-1]}")
            )
        if utils.has_deceptive_name(name):
            found.append(
                (
                    "deceptive_name",
                    "block",
                    "name contains invisible or direction-changing characters",
                )
            )
        if mime in utils.EXECUTABLE_MIME_TYPES:
            found.append(("executable_content", "block", f"content type {mime} is a program"))
        elif cfg["check_mime_mismatch"] and exts and mime not in utils.GENERIC_MIME_TYPES:
            expected = utils.EXPECTED_MIME_TYPES.get(exts[-1])
            if expected is not None and mime not in expected:
                found.append(
                    (
                        "mime_mismatch",
                        "block",
                        f"content type {mime} does not match .{exts[-1]}"
                        f" (expected {', '.join(sorted(expected))})",
                    )
                )
        size = int(attachment.get("size_bytes", 0))
        if size > cfg["max_size_mb"] * 1024 * 1024:
            found.append(
                (
                    "max_size",
                    "block",
                    f"{utils.megabytes(size)} MB exceeds the {cfg['max_size_mb']} MB limit",
                )
            )
        is_archive = bool(exts) and exts[-1] in utils.ARCHIVE_EXTENSIONS
        hinted = any(hint in name.lower() for hint in utils.ENCRYPTION_HINTS)
        if attachment.get("encrypted") or (is_archive and hinted):
            found.append(
                (
                    "encrypted_archive",
                    "block" if cfg["block_encrypted_archives"] else "warn",
                    "password-protected content cannot be scanned",
                )
            )
        return [
            {"filename": name, "rule": rule, "severity": severity, "message": message}
            for rule, severity, message in found
        ]

    async def check_attachments(self, attachments: list[dict[str, Any]]) -> dict[str, Any]:
        """Check every attachment; ``allowed`` is false when any violation blocks."""
        violations = [v for attachment in attachments for v in self._check_one(attachment)]
        total_size = sum(int(a.get("size_bytes", 0)) for a in attachments)
        if total_size > self.config["max_total_size_mb"] * 1024 * 1024:
            violations.append(
                {
                    "filename": "*",
                    "rule": "max_total_size",
                    "severity": "block",
                    "message": f"{utils.megabytes(total_size)} MB in total exceeds the "
                    f"{self.config['max_total_size_mb']} MB limit",
                }
            )
        blocking = [v for v in violations if v["severity"] == "block"]
        blocked_files = sorted({v["filename"] for v in blocking if v["filename"] != "*"})
        if blocking and self.context is not None:
            self.context.log(
                "warning", f"attachments refused: {', '.join(blocked_files) or 'total size'}"
            )
        return {
            "allowed": not blocking,
            "violations": violations,
            "summary": {
                "checked": len(attachments),
                "blocked_files": blocked_files,
                "warnings": sum(v["severity"] == "warn" for v in violations),
                "total_size_bytes": total_size,
            },
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return AttachmentPolicyPlugin()
