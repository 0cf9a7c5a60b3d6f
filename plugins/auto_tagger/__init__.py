"""Auto Tagger: tags emails (invoice, meeting, newsletter, shipping, security-alert, social,
personal ...) from configurable keywords, sender patterns and standard headers."""

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


class AutoTaggerPlugin(PluginInterface):
    """Scores every configured tag and keeps those above the threshold."""

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
        handlers = {"tag_email": self.tag_email}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _score(
        self, subject: str, body: str, sender: str, headers: dict[str, str]
    ) -> tuple[dict[str, float], dict[str, list[str]]]:
        scores: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        address = utils.sender_address(sender)
        for tag, rule in self.config["tags"].items():
            score = 0.0
            why: list[str] = []
            for keyword in rule.get("keywords", []):
                regex = utils.phrase_regex(keyword)
                if regex.search(subject):
                    score += utils.SUBJECT_WEIGHT
                    why.append(f"subject:{keyword}")
                elif regex.search(body):
                    score += utils.BODY_WEIGHT
                    why.append(f"body:{keyword}")
            pattern = utils.sender_matches(address, rule.get("sender_patterns", []))
            if pattern:
                score += utils.SENDER_WEIGHT
                why.append(f"sender:{pattern}")
            scores[tag] = score * float(rule.get("weight", 1.0))
            reasons[tag] = why
        if self.config["use_header_rules"]:
            for tag, why in utils.header_signals(headers).items():
                scores[tag] = scores.get(tag, 0.0) + utils.HEADER_WEIGHT * len(why)
                reasons.setdefault(tag, []).extend(why)
        return scores, reasons

    async def tag_email(
        self,
        subject: str,
        body: str,
        sender: str | None = None,
        headers: dict[str, str] | None = None,
        email_id: str | None = None,
    ) -> dict[str, Any]:
        """Tags above the threshold, best first; with ``email_id`` and a host context they are
        also written to the email."""
        scores, reasons = self._score(subject, body, sender or "", utils.normalize_headers(headers))
        threshold = self.config["threshold"]
        ranked = sorted(
            (tag for tag, score in scores.items() if score >= threshold),
            key=lambda tag: (-scores[tag], tag),
        )
        tags = ranked[: self.config["max_tags"]]
        result: dict[str, Any] = {
            "tags": tags,
            "scores": {tag: round(score, 2) for tag, score in sorted(scores.items()) if score > 0},
            "reasons": {tag: reasons[tag] for tag in tags},
        }
        if email_id is not None and self.context is not None:
            await self.context.update_email(email_id, {"tags": tags})
            result["applied"] = True
        return result


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return AutoTaggerPlugin()
