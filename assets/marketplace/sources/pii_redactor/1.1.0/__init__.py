"""PII Redactor: finds and redacts e-mail addresses, phone numbers, payment cards (Luhn),
IBANs (mod 97) and US social security numbers. Pure computation, so it runs sandboxed."""

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


class PiiRedactorPlugin(PluginInterface):
    """Redacts personal data from email text."""

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
        handlers = {"redact_text": self.redact_text, "scan_pii": self.scan_pii}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _kinds(self, kinds: list[str] | None) -> list[str]:
        enabled = [k for k in utils.KINDS if k in self.config["kinds"]]
        return enabled if kinds is None else [k for k in enabled if k in kinds]

    async def redact_text(self, text: str, kinds: list[str] | None = None) -> dict[str, Any]:
        """Redact the enabled PII kinds (optionally only ``kinds``) from ``text``."""
        selected = self._kinds(kinds)
        findings = utils.find_pii(text, selected)
        redacted = utils.redact(
            text,
            findings,
            self.config["replacement_style"],
            self.config["mask_char"],
            self.config["mask_keep_last"],
        )
        return {
            "redacted_text": redacted,
            "findings": [{"kind": f.kind, "start": f.start, "end": f.end} for f in findings],
            "counts": utils.count(findings, selected),
        }

    async def scan_pii(self, text: str) -> dict[str, Any]:
        """Report which PII kinds occur in ``text`` without changing it."""
        selected = self._kinds(None)
        findings = utils.find_pii(text, selected)
        return {
            "has_pii": bool(findings),
            "total": len(findings),
            "counts": utils.count(findings, selected),
            "findings": [{"kind": f.kind, "start": f.start, "end": f.end} for f in findings],
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return PiiRedactorPlugin()
