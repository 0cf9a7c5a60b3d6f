"""Search, filter, sort and page marketplace entries (plain dicts, fast on 10,000 entries)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ..errors import InvalidInputError

SORTS = ("name", "rating", "downloads", "updated")
INSTALLED_FILTERS = ("installed", "not_installed", "update_available")


def _as_list(tags: str | Iterable[str] | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    return [t.strip().lower() for t in tags if t and t.strip()]


def search_entries(
    entries: Iterable[dict[str, Any]],
    *,
    query: str | None = None,
    category: str | None = None,
    tags: str | Iterable[str] | None = None,
    security_level: str | None = None,
    installed: str | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Entries matching every given filter; ``tags`` must all be present (AND).

    Entries carry ``installed_version`` and ``update_available`` (added by the manager).
    Text search matches every word of ``query`` in name, description, author or id.
    """
    if sort not in SORTS:
        raise InvalidInputError(f"Unknown sort {sort!r}; use one of: {', '.join(SORTS)}.")
    if installed is not None and installed not in INSTALLED_FILTERS:
        raise InvalidInputError(
            f"Unknown installed filter {installed!r}; use one of: {', '.join(INSTALLED_FILTERS)}."
        )
    if limit < 0 or offset < 0:
        raise InvalidInputError("limit and offset must be zero or positive.")
    words = (query or "").lower().split()
    wanted_tags = set(_as_list(tags))
    wanted_category = category.strip().lower() if category else None
    wanted_level = security_level.strip().lower() if security_level else None
    matched = []
    for entry in entries:
        if wanted_category and (entry.get("category") or "").lower() != wanted_category:
            continue
        if wanted_level and entry.get("security_level", "standard") != wanted_level:
            continue
        if wanted_tags and not wanted_tags <= {t.lower() for t in entry.get("tags", ())}:
            continue
        if installed == "installed" and entry.get("installed_version") is None:
            continue
        if installed == "not_installed" and entry.get("installed_version") is not None:
            continue
        if installed == "update_available" and not entry.get("update_available"):
            continue
        if words:
            text = " ".join(
                str(entry.get(key) or "") for key in ("plugin_id", "name", "description", "author")
            ).lower()
            if not all(word in text for word in words):
                continue
        matched.append(entry)
    if sort == "name":
        matched.sort(key=lambda e: (str(e.get("name") or "").lower(), e["plugin_id"]))
    else:
        field = {"rating": "rating", "downloads": "downloads", "updated": "last_updated"}[sort]
        # highest first; entries without the value go last; name breaks ties
        matched.sort(
            key=lambda e: (
                e.get(field) is None,
                -(e.get(field) or 0),
                str(e.get("name") or "").lower(),
                e["plugin_id"],
            )
        )
    return [detached(entry) for entry in matched[offset : offset + limit]]


def detached(entry: dict[str, Any]) -> dict[str, Any]:
    """A deep copy: callers may change what they get without touching the cached index."""
    return copy.deepcopy(entry)
