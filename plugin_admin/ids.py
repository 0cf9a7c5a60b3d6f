"""Plugin id rules, checked before any filesystem access."""

from __future__ import annotations

import re

from .errors import InvalidPluginIdError

PLUGIN_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
# Fixed REST paths under /api/plugins/ (a plugin with one of these ids would be unreachable),
# and the manager's own folders in PLUGIN_DATA_DIR (a plugin's data folder is
# PLUGIN_DATA_DIR/<id>: a plugin named "versions" would be handed the kept versions of others).
RESERVED_IDS = frozenset(
    {"marketplace", "install", "upload", "audit", "backup", "restore", "versions", "locks"}
)


def is_valid_plugin_id(plugin_id: object) -> bool:
    return (
        isinstance(plugin_id, str)
        and PLUGIN_ID_PATTERN.fullmatch(plugin_id) is not None
        and plugin_id not in RESERVED_IDS
    )


def check_plugin_id(plugin_id: object) -> str:
    """Return ``plugin_id`` if it is a valid id, else raise a message saying what is allowed."""
    if is_valid_plugin_id(plugin_id):
        return plugin_id  # type: ignore[return-value]
    if plugin_id in RESERVED_IDS:
        raise InvalidPluginIdError(
            f"The plugin id {plugin_id!r} is reserved (a REST API path or a folder of plugin-admin's "
            "own); choose another."
        )
    shown = repr(plugin_id) if len(repr(plugin_id)) <= 80 else repr(plugin_id)[:77] + "..."
    raise InvalidPluginIdError(
        f"Invalid plugin id {shown}: ids are 2-64 characters of lower-case letters, digits and "
        "underscores, starting with a letter (e.g. 'email_filter_plugin')."
    )
