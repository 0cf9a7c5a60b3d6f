"""Language Detector: stop-word frequency profiles for Latin-script languages, Unicode script
analysis for the others. Deterministic, no models, no dependencies."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import profiles

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def script_counts(text: str) -> Counter[str]:
    """How many letters of each script the text holds."""
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        for prefix, script in profiles.SCRIPT_PREFIXES:
            if name.startswith(prefix):
                counts[script] += 1
                break
        else:
            counts["Other"] += 1
    return counts


class LanguageDetectorPlugin(PluginInterface):
    """Detects the language and script of a text."""

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
        handlers = {"detect_language": self.detect_language}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _stopword_scores(self, text: str) -> tuple[dict[str, float], int]:
        words = [w.lower() for w in _WORD.findall(text)]
        lowered = text.lower()
        raw: dict[str, float] = {}
        for lang in self.config["languages"]:
            hits = sum(1 for w in words if w in profiles.STOPWORDS[lang])
            letters = sum(lowered.count(ch) for ch in profiles.DISTINCTIVE_LETTERS.get(lang, ""))
            raw[lang] = hits + 0.5 * letters
        return raw, len(words)

    async def detect_language(self, text: str) -> dict[str, Any]:
        """Language (ISO 639-1, or the configured fallback), confidence 0..1, per-language scores
        and the dominant script."""
        scripts = script_counts(text)
        letters = sum(scripts.values())
        fallback = self.config["fallback"]
        if not letters:
            return {"language": fallback, "confidence": 0.0, "scores": {}, "script": "Unknown"}
        script, script_letters = max(scripts.items(), key=lambda item: (item[1], item[0]))
        if script in ("Han", "Hiragana", "Katakana") and (
            scripts["Hiragana"] or scripts["Katakana"]
        ):
            script_letters = scripts["Han"] + scripts["Hiragana"] + scripts["Katakana"]
            language, method = "ja", "script"
        elif script == "Cyrillic" and any(ch in text.lower() for ch in profiles.UKRAINIAN_LETTERS):
            language, method = "uk", "script"
        elif script in profiles.SCRIPT_LANGUAGES:
            language, method = profiles.SCRIPT_LANGUAGES[script], "script"
        else:
            language, method = "", "stopwords"

        if method == "script":
            confidence = round(script_letters / letters, 3)
            scores = {language: confidence}
        else:
            raw, word_count = self._stopword_scores(text)
            total = sum(raw.values())
            scores = {lang: round(value / total, 3) for lang, value in raw.items()} if total else {}
            ranked = sorted(raw.items(), key=lambda item: (-item[1], item[0]))
            if total:
                best, best_raw = ranked[0]
                share = best_raw / total
                # Little evidence (few stop words) lowers the confidence, whatever the share.
                evidence = min(1.0, best_raw / max(3.0, min(8.0, word_count / 4)))
                confidence = round(share * evidence, 3)
                language = best
            else:
                confidence = 0.0
        return {
            "language": language if confidence >= self.config["min_confidence"] else fallback,
            "confidence": confidence,
            "scores": dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))),
            "script": script,
            "method": method,
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return LanguageDetectorPlugin()
