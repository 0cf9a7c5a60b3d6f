"""Turning manager answers into what the console shows: tables, JSON, ages, masked secrets.

Pure functions only (no Gradio, no manager), so every tab formats the same way and the
formatting is tested without a browser.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import pandas as pd

MASK = "••••••••"
SECRET_SETTING_WORDS = {"password", "token", "secret"}

PLUGIN_COLUMNS = [
    "Name",
    "ID",
    "Version",
    "Status",
    "Security",
    "Loaded",
    "Capabilities",
    "Update",
    "Health",
]
MARKETPLACE_COLUMNS = [
    "Name",
    "ID",
    "Version",
    "Category",
    "Rating",
    "Downloads",
    "Updated",
    "Security",
    "Installed",
]
AUDIT_COLUMNS = ["Time", "Actor", "Plugin", "Action", "Outcome", "Details"]


def pretty_json(value: Any) -> str:
    """Indented, key-order-preserving JSON; non-JSON values shown with ``str``."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def time_ago(timestamp: float | None, now: float | None = None) -> str:
    """``"3 min ago"`` style age of a Unix timestamp; ``"never"`` for None."""
    if timestamp is None:
        return "never"
    seconds = max(0.0, (time.time() if now is None else now) - float(timestamp))
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day":
                return f"{count} day{'s' if count != 1 else ''} ago"
            return f"{count} {unit} ago"
    return "just now" if seconds < 5 else f"{int(seconds)} s ago"


def age_text(seconds: float | None) -> str:
    """A duration in the same words as :func:`time_ago` (for cache ages)."""
    if seconds is None:
        return "unknown"
    return time_ago(0, now=float(seconds))


def when(timestamp: float | None) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS`` of a Unix timestamp, ``""`` for None."""
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(timestamp)))


# ------------------------------------------------------------------------------------ tables
def plugins_frame(plugins: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The Installed table: one row per plugin summary from ``list_plugins``."""
    rows = [
        [
            p.get("name") or p["plugin_id"],
            p["plugin_id"],
            p.get("version") or "?",
            p.get("status", ""),
            p.get("security_level", ""),
            time_ago(p["loaded_at"]) if p.get("loaded_at") else "",
            ", ".join(p.get("capabilities") or []),
            _update_mark(p),
            p.get("health", ""),
        ]
        for p in plugins
    ]
    return pd.DataFrame(rows, columns=PLUGIN_COLUMNS)


def _update_mark(plugin: dict[str, Any]) -> str:
    latest = plugin.get("update_available")
    if not latest:
        return ""
    return f"→ {latest}" if isinstance(latest, str) else "available"


def filter_plugins(
    plugins: list[dict[str, Any]], query: str | None, status: str | None
) -> list[dict[str, Any]]:
    """Case-insensitive search over name, id, description and tags, plus a status filter."""
    needle = (query or "").strip().lower()
    wanted = None if status in (None, "", "all") else status
    kept = []
    for plugin in plugins:
        if wanted and plugin.get("status") != wanted:
            continue
        haystack = " ".join(
            str(plugin.get(key) or "") for key in ("name", "plugin_id", "description", "category")
        ) + " ".join(plugin.get("tags") or [])
        if needle and needle not in haystack.lower():
            continue
        kept.append(plugin)
    return kept


def status_counts(plugins: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plugin in plugins:
        counts[plugin.get("status", "?")] = counts.get(plugin.get("status", "?"), 0) + 1
    return counts


def marketplace_frame(entries: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for e in entries:
        installed = e.get("installed_version")
        if installed and e.get("update_available"):
            mark = f"{installed} (update → {e['version']})"
        else:
            mark = installed or ""
        rows.append(
            [
                e.get("name") or e["plugin_id"],
                e["plugin_id"],
                e.get("version", ""),
                e.get("category") or "",
                "" if e.get("rating") is None else f"{float(e['rating']):.1f} ★",
                int(e.get("downloads") or 0),
                time_ago(e.get("last_updated")) if e.get("last_updated") else "",
                e.get("security_level", ""),
                mark,
            ]
        )
    return pd.DataFrame(rows, columns=MARKETPLACE_COLUMNS)


def audit_frame(events: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        [
            when(e.get("timestamp") or e.get("ts") or e.get("time")),
            e.get("actor", ""),
            e.get("plugin_id") or "",
            e.get("action", ""),
            e.get("outcome", ""),
            _details_text(e.get("details")),
        ]
        for e in events
    ]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def _details_text(details: Any) -> str:
    if not details:
        return ""
    if isinstance(details, dict):
        return ", ".join(f"{k}={v}" for k, v in details.items() if v not in (None, ""))
    return str(details)


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A table of ``rows`` keeping only ``columns`` (missing values shown empty)."""
    return pd.DataFrame([[_cell(r.get(c)) for c in columns] for r in rows], columns=columns)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


# ---------------------------------------------------------------------------------- secrets
def secret_paths(schema: dict[str, Any] | None, prefix: tuple[str, ...] = ()) -> set[tuple]:
    """Paths (key tuples) of schema properties marked ``writeOnly`` or ``format: password``."""
    found: set[tuple] = set()
    if not isinstance(schema, dict):
        return found
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        path = (*prefix, key)
        if sub.get("writeOnly") is True or sub.get("format") == "password":
            found.add(path)
        else:
            found |= secret_paths(sub, path)
    return found


def mask_secrets(config: Any, schema: dict[str, Any] | None) -> Any:
    """A copy of ``config`` with every non-empty secret value replaced by :data:`MASK`."""
    masked = json.loads(json.dumps(config, default=str))
    for path in secret_paths(schema):
        parent = _parent(masked, path)
        if parent is not None and parent.get(path[-1]) not in (None, ""):
            parent[path[-1]] = MASK
    return masked


def unmask_secrets(edited: Any, stored: Any, schema: dict[str, Any] | None) -> Any:
    """Put the stored secret back wherever the edited config still holds :data:`MASK`."""
    if not isinstance(edited, dict):
        return edited
    result = json.loads(json.dumps(edited))
    for path in secret_paths(schema):
        parent = _parent(result, path)
        original = _parent(stored, path) if isinstance(stored, dict) else None
        if parent is not None and parent.get(path[-1]) == MASK and original is not None:
            parent[path[-1]] = original.get(path[-1])
    return result


def _parent(data: Any, path: tuple) -> dict[str, Any] | None:
    for key in path[:-1]:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, dict) else None


def mask_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Settings (JSON-ready) with passwords, tokens, secrets and keys masked, set or not."""
    masked = {}
    for name, value in values.items():
        if is_secret_setting(name):
            masked[name] = MASK if value else "(not set: generated at first start)"
        else:
            masked[name] = value if isinstance(value, bool | int | float | list) else str(value)
    return masked


def is_secret_setting(name: str) -> bool:
    """``plugin_admin_password``, ``plugin_api_token``, ``…_secret``, ``…_key`` (not ``…_keys_dir``)."""
    parts = name.lower().split("_")
    return bool(SECRET_SETTING_WORDS & set(parts)) or parts[-1] == "key"


# --------------------------------------------------------------------------------- schemas
def schema_summary(schema: dict[str, Any] | None) -> str:
    """A Markdown list of a JSON Schema's fields: type, default, allowed values, description."""
    if not isinstance(schema, dict) or not schema.get("properties"):
        return "_This plugin declares no configuration fields._"
    required = set(schema.get("required") or [])
    lines = []
    for name, sub in schema["properties"].items():
        sub = sub if isinstance(sub, dict) else {}
        parts = [f"**`{name}`**", f"_{_type_name(sub)}_"]
        if name in required:
            parts.append("required")
        if sub.get("writeOnly") or sub.get("format") == "password":
            parts.append("secret (masked)")
        if "enum" in sub:
            parts.append("one of " + ", ".join(f"`{v}`" for v in sub["enum"]))
        bounds = [
            f"{sign} {sub[key]}"
            for key, sign in (("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"))
            if key in sub
        ]
        parts.extend(bounds)
        if "default" in sub and not isinstance(sub["default"], list | dict):
            parts.append(f"default `{json.dumps(sub['default'])}`")
        line = " · ".join(parts)
        if sub.get("description"):
            line += f" — {sub['description']}"
        lines.append(f"- {line}")
    return "\n".join(lines)


def _type_name(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return f"list of {_type_name(items) if items else 'values'}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind:
        return str(kind)
    if "enum" in schema:
        return "choice"
    return "any"


def config_diff(old: Any, new: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """Lines ``path: old → new`` for every leaf that differs (secrets shown masked)."""
    old_m, new_m = mask_secrets(old, schema), mask_secrets(new, schema)
    lines: list[str] = []
    _diff("$", old_m, new_m, lines)
    return lines


_MISSING = object()


def _diff(path: str, old: Any, new: Any, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            _diff(f"{path}.{key}", old.get(key, _MISSING), new.get(key, _MISSING), out)
        return
    if old == new:
        return
    if old is _MISSING:
        out.append(f"+ {path}: {json.dumps(new, ensure_ascii=False)}")
    elif new is _MISSING:
        out.append(f"- {path}: {json.dumps(old, ensure_ascii=False)}")
    else:
        out.append(
            f"~ {path}: {json.dumps(old, ensure_ascii=False)} → {json.dumps(new, ensure_ascii=False)}"
        )


def errors_markdown(errors: list[dict[str, Any]]) -> str:
    """Validation errors as a Markdown list, one JSON path per line."""
    return "\n".join(f"- `{e.get('path', '$')}`: {e.get('message', '')}" for e in errors)
