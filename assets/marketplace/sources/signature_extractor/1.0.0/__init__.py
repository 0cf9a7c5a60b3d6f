"""Signature Extractor: finds the sender's signature block at the end of an email and reads
name, title, company, phone, e-mail and website from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import parsing

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)


class SignatureExtractorPlugin(PluginInterface):
    """Extracts contact details from email signatures."""

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
        handlers = {"extract_signature": self.extract_signature}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    async def extract_signature(self, body: str, sender: str | None = None) -> dict[str, Any]:
        """The signature block and the fields found in it; ``found`` is false without one."""
        lines = parsing.strip_quoted(body)
        located = parsing.find_block(lines)
        if located is None:
            return {"found": False, "fields": {}}
        block, method = located
        block = block[: self.config["max_lines"]]
        fields = parsing.parse_fields(block)
        if "email" not in fields and sender and self.config["use_sender_address"]:
            address = parsing.sender_email(sender)
            if address:
                fields["email"] = address
        return {
            "found": True,
            "method": method,
            "signature_text": "\n".join(line.strip() for line in block),
            "fields": fields,
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return SignatureExtractorPlugin()
