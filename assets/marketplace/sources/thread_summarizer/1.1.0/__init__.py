"""Thread Summarizer: extractive summaries of email threads (most representative sentences by
word frequency), with quoted replies, forwarded history and signatures stripped first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import text as textutil

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)


class ThreadSummarizerPlugin(PluginInterface):
    """Summarises email text without any model or network access."""

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
        handlers = {"summarize": self.summarize, "strip_quotes": self.strip_quotes}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    async def strip_quotes(self, text: str) -> dict[str, Any]:
        """The newest message of a thread: quoted replies and forwarded history removed."""
        stripped, removed = textutil.strip_quoted(text)
        if self.config["strip_signatures"]:
            stripped = textutil.strip_signature(stripped)
        return {"text": stripped, "removed_lines": removed}

    async def summarize(self, text: str, max_sentences: int | None = None) -> dict[str, Any]:
        """The top sentences by word frequency, in their original order."""
        limit = max_sentences or self.config["max_sentences"]
        body, removed = textutil.strip_quoted(text)
        if self.config["strip_signatures"]:
            body = textutil.strip_signature(body)
        sentence_list = textutil.sentences(body)
        frequencies = textutil.word_frequencies(sentence_list)
        chosen = sorted(textutil.rank_sentences(sentence_list, frequencies)[:limit])
        picked = [sentence_list[i] for i in chosen]
        keywords = [
            word
            for word, _ in sorted(frequencies.items(), key=lambda item: (-item[1], item[0]))[
                : self.config["max_keywords"]
            ]
        ]
        return {
            "summary": " ".join(picked),
            "sentences": picked,
            "keywords": keywords,
            "sentence_count": len(sentence_list),
            "removed_quoted_lines": removed,
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return ThreadSummarizerPlugin()
