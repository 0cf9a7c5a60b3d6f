"""Rule compilation, matching and content statistics for the email filter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

SENSITIVITY_THRESHOLDS = {"low": 3.0, "medium": 2.0, "high": 1.0}
ACTION_ALIASES = {"flag_spam": "flag"}  # the seed's config spells "flag" this way
REPLACEMENT = "[FILTERED]"

SUSPICIOUS_PHRASES = (
    "act now",
    "amazing offer",
    "claim your prize",
    "click here",
    "free money",
    "guaranteed",
    "limited time",
    "lottery",
    "no credit check",
    "risk-free",
    "urgent",
    "verify your account",
    "wire transfer",
    "you won",
    "you have won",
)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


def _phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


_SUSPICIOUS = _phrase_regex(list(SUSPICIOUS_PHRASES))


@dataclass(frozen=True)
class Rule:
    """One compiled filter rule."""

    type: str
    pattern: str
    action: str
    weight: float
    regex: re.Pattern[str] | None = None

    def match(self, content: str, subject: str, sender: str) -> list[str]:
        """The texts this rule matched (empty when it does not apply)."""
        if self.type == "sender_domain":
            domain = sender_domain(sender)
            wanted = self.pattern.lstrip("@").lower()
            return (
                [domain] if domain and (domain == wanted or domain.endswith("." + wanted)) else []
            )
        assert self.regex is not None
        if self.type == "subject_regex":
            found = self.regex.search(subject)
            return [found.group(0)] if found else []
        hits = [m.group(0) for m in self.regex.finditer(content)]
        hits += [m.group(0) for m in self.regex.finditer(subject)]
        return sorted(set(hits), key=str.lower)


def sender_domain(sender: str) -> str:
    """The lower-cased domain of ``"Name <user@host>"`` or ``user@host``; '' when none."""
    address = parseaddr(sender)[1] or sender
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


def compile_rules(raw_rules: list[dict[str, Any]]) -> list[Rule]:
    """Compile config rules; raises ``ValueError`` naming the first invalid rule."""
    compiled = []
    for index, raw in enumerate(raw_rules):
        kind = raw.get("type")
        pattern = str(raw.get("pattern", ""))
        action = ACTION_ALIASES.get(raw.get("action", "flag"), raw.get("action", "flag"))
        weight = float(raw.get("weight", 3.0 if action == "block" else 1.0))
        regex: re.Pattern[str] | None = None
        if kind == "keyword":
            words = [w.strip() for w in pattern.split("|") if w.strip()]
            if not words:
                raise ValueError(f"filter_rules[{index}]: keyword pattern is empty")
            regex = _phrase_regex(words)
        elif kind == "subject_regex":
            try:
                regex = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"filter_rules[{index}]: invalid subject_regex {pattern!r}: {exc}"
                ) from exc
        elif kind != "sender_domain":
            raise ValueError(f"filter_rules[{index}]: unknown rule type {kind!r}")
        compiled.append(Rule(kind, pattern, action, weight, regex))
    return compiled


def mask_keywords(content: str, matched: list[Rule]) -> str:
    """Replace every keyword of the matched keyword rules by ``[FILTERED]``."""
    for rule in matched:
        if rule.type == "keyword" and rule.regex is not None:
            content = rule.regex.sub(REPLACEMENT, content)
    return content


def as_number(value: float) -> int | float:
    """3.0 -> 3, 2.5 -> 2.5 (JSON answers read like the seed's)."""
    return int(value) if float(value).is_integer() else round(value, 3)


def analyze(text: str, subject: str, rules: list[Rule]) -> dict[str, Any]:
    """Statistics and heuristic spam indicators of an email body."""
    letters = [c for c in text if c.isalpha()]
    uppercase_ratio = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    link_count = len(_URL.findall(text))
    exclamation_count = text.count("!")
    phrases = {m.group(0).lower() for m in _SUSPICIOUS.finditer(f"{subject}\n{text}")}
    for rule in rules:
        if rule.type == "keyword" and rule.regex is not None:
            phrases.update(m.group(0).lower() for m in rule.regex.finditer(f"{subject}\n{text}"))
    checks = {
        "excessive_uppercase": len(letters) >= 20 and uppercase_ratio > 0.3,
        "many_exclamations": exclamation_count >= 3,
        "many_links": link_count >= 5,
        "suspicious_phrases": bool(phrases),
        "money_amounts": bool(re.search(r"[$€£]\s?\d[\d,.]*", text)),
    }
    indicators = [name for name, fired in checks.items() if fired]
    return {
        "word_count": len(text.split()),
        "character_count": len(text),
        "link_count": link_count,
        "uppercase_ratio": round(uppercase_ratio, 3),
        "exclamation_count": exclamation_count,
        "suspicious_phrases": sorted(phrases),
        "spam_indicators": indicators,
        "indicator_score": round(len(indicators) / len(checks), 3),
    }
