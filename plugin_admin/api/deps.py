"""Shared route parameters: the manager, plugin ids, hook names."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from ..auth import API_ACTOR
from ..manager import PluginManager
from .models import HOOK_NAME_PATTERN, PLUGIN_ID_PATTERN

# Every REST call is recorded in the audit log under this actor.
ACTOR = API_ACTOR

# JSON bodies larger than this are refused with 413 before parsing (uploads have their own cap).
MAX_JSON_BYTES = 8 * 1024 * 1024


async def get_manager(request: Request) -> PluginManager:
    # async on purpose: FastAPI runs sync dependencies in a worker thread, on every request.
    return request.app.state.manager


Manager = Annotated[PluginManager, Depends(get_manager)]

PluginId = Annotated[
    str,
    Path(
        pattern=PLUGIN_ID_PATTERN,
        max_length=64,
        description="Plugin id: 2-64 lower-case letters, digits, underscores",
        examples=["email_filter_plugin"],
    ),
]

HookName = Annotated[
    str,
    Path(pattern=HOOK_NAME_PATTERN, max_length=64, description="A hook the plugin declares"),
]


async def resolve(value: Any) -> Any:
    """Await ``value`` if the manager method was a coroutine (some are plain functions)."""
    return await value if inspect.isawaitable(value) else value
