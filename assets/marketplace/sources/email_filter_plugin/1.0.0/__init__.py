"""Email Filter Plugin: rule-based spam filtering (the seed's example plugin, made real).

Rules come from the plugin config (``filter_rules``); each matched rule adds its weight to the
spam score, which is compared with the threshold of the configured ``sensitivity``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import rules

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)


class EmailFilterPlugin(PluginInterface):
    """Flags or blocks spam by keyword and sender domain rules."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self._rules: list[rules.Rule] = []
        self._configure({})

    def _configure(self, config: dict[str, Any]) -> None:
        merged = {**DEFAULT_CONFIG, **(config or {})}
        self._rules = rules.compile_rules(merged["filter_rules"])
        self.config = merged

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
        self._configure(config)
        self._log("info", f"initialized with {len(self._rules)} filter rules")
        return True

    async def shutdown(self) -> bool:
        self._rules = []
        return True

    def get_capabilities(self) -> list[str]:
        return list(MANIFEST.get("capabilities", []))

    def get_required_permissions(self) -> list[str]:
        return list(MANIFEST.get("permissions", []))

    async def execute_hook(self, hook_name: str, *args: Any, **kwargs: Any) -> Any:
        handlers = {"filter_email": self.filter_email, "analyze_content": self.analyze_content}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _log(self, level: str, message: str) -> None:
        if self.context is not None:
            self.context.log(level, message)

    async def filter_email(
        self, email_content: str, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Score the email against the rules and decide allow / flag / block."""
        metadata = metadata or {}
        subject = str(metadata.get("subject") or "")
        sender = str(metadata.get("sender") or "")
        matches = [
            (rule, found)
            for rule in self._rules
            if (found := rule.match(email_content, subject, sender))
        ]
        score = sum(rule.weight for rule, _ in matches)
        threshold = rules.SENSITIVITY_THRESHOLDS[self.config["sensitivity"]]
        blocked = any(rule.action == "block" for rule, _ in matches)
        is_spam = blocked or score >= threshold
        action = "block" if blocked else "flag" if is_spam else "allow"
        filtered = (
            rules.mask_keywords(email_content, [rule for rule, _ in matches])
            if action != "allow"
            else email_content
        )
        if action != "allow" and self.config["log_filtered_emails"]:
            verb = {"flag": "flagged", "block": "blocked"}[action]
            self._log("info", f"email {verb} (score {score:g}, subject {subject[:80]!r})")
        return {
            "is_spam": is_spam,
            "spam_score": rules.as_number(score),
            "threshold": rules.as_number(threshold),
            "action": action,
            "matched_rules": [
                {"type": rule.type, "pattern": rule.pattern, "action": rule.action}
                for rule, _ in matches
            ],
            "filtered_content": filtered,
        }

    async def analyze_content(
        self,
        email_content: str | None = None,
        metadata: dict[str, Any] | None = None,
        content: str | None = None,
    ) -> dict[str, Any]:
        """Content statistics and spam indicators (``content`` is the seed's name for the text)."""
        text = email_content if email_content is not None else (content or "")
        subject = str((metadata or {}).get("subject") or "")
        return rules.analyze(text, subject, self._rules)


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return EmailFilterPlugin()
