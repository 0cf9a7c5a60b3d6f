"""Hook dispatch rules shared by single calls and broadcasts: lookup, argument and result checks.

Kept free of I/O so the hot path is a handful of dict lookups plus the runner call.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import HookArgumentsError, HookExecutionError, HookNotFoundError
from .manifest import HookSpec, Manifest
from .schema_tools import schema_errors


def find_hook(manifest: Manifest, plugin_id: str, hook_name: str) -> HookSpec | None:
    """The declared hook, or None when the plugin declares no hooks (it decides itself)."""
    spec = manifest.hooks.get(hook_name)
    if spec is None and manifest.hooks:
        raise HookNotFoundError(
            f"Plugin {plugin_id!r} has no hook {hook_name!r}; its hooks are: "
            f"{', '.join(sorted(manifest.hooks))}.",
            plugin_id=plugin_id,
        )
    return spec


def check_arguments(spec: HookSpec | None, plugin_id: str, kwargs: dict[str, Any]) -> None:
    if spec is None or spec.validator is None:
        return
    if spec.validator.is_valid(kwargs):
        return
    errors = schema_errors(spec.validator, kwargs)
    listing = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
    raise HookArgumentsError(
        f"Arguments for hook {spec.name!r} of plugin {plugin_id!r} are invalid: {listing}.",
        plugin_id=plugin_id,
        errors=errors,
    )


# json.dumps(..., allow_nan=False) builds a new encoder on every call; one shared encoder is
# stateless and saves about a third of the check on small results (bench/README.md, case 1).
_RESULT_ENCODER = json.JSONEncoder(allow_nan=False)


def check_result(plugin_id: str, hook_name: str, result: Any, max_bytes: int) -> Any:
    """Refuse results that are not JSON or too large (the console and API must show them)."""
    if result is None or isinstance(result, int):  # bool is an int
        return result
    try:
        encoded = _RESULT_ENCODER.encode(result)
    except (TypeError, ValueError) as exc:
        raise HookExecutionError(
            f"Hook {hook_name!r} of plugin {plugin_id!r} returned a value that is not "
            f"JSON-serialisable ({exc}); return dicts, lists, strings, numbers, booleans or None.",
            plugin_id=plugin_id,
        ) from None
    if len(encoded) > max_bytes:
        raise HookExecutionError(
            f"Hook {hook_name!r} of plugin {plugin_id!r} returned {len(encoded)} bytes of JSON, "
            f"over the {max_bytes // 1024} KiB limit (PLUGIN_MAX_RESULT_KB); return less.",
            plugin_id=plugin_id,
        )
    return result
