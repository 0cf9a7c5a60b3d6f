"""Matching helpers for the auto tagger: phrases, sender globs and header rules."""

from __future__ import annotations

import re
from email.utils import parseaddr
from fnmatch import fnmatchcase
from functools import lru_cache

SUBJECT_WEIGHT = 2.0
BODY_WEIGHT = 1.0
SENDER_WEIGHT = 2.0
HEADER_WEIGHT = 3.0


@lru_cache(maxsize=512)
def phrase_regex(phrase: str) -> re.Pattern[str]:
    """Case-insensitive whole-word match of a phrase."""
    return re.compile(rf"(?<!\w){re.escape(phrase.strip())}(?!\w)", re.IGNORECASE)


def sender_address(sender: str | None) -> str:
    """ "Jane <jane@x.org>" -> "jane@x.org" (lower-cased)."""
    return (parseaddr(sender or "")[1] or (sender or "")).strip().lower()


def sender_matches(address: str, patterns: list[str]) -> str | None:
    """The first glob (``*@*.linkedin.com``) the address matches."""
    for pattern in patterns:
        if address and fnmatchcase(address, pattern.lower()):
            return pattern
    return None


def normalize_headers(headers: dict[str, str] | None) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def header_signals(headers: dict[str, str]) -> dict[str, list[str]]:
    """Tag -> reasons derived from standard headers (RFC 2369 list headers, calendars ...)."""
    signals: dict[str, list[str]] = {}
    if "list-unsubscribe" in headers:
        signals.setdefault("newsletter", []).append("header:List-Unsubscribe")
    if "list-id" in headers:
        signals.setdefault("newsletter", []).append("header:List-Id")
    if headers.get("precedence", "").strip().lower() in ("bulk", "list"):
        signals.setdefault("newsletter", []).append("header:Precedence")
    if "text/calendar" in headers.get("content-type", "").lower():
        signals.setdefault("meeting", []).append("header:Content-Type text/calendar")
    return signals
