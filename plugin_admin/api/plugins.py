"""``/api/plugins/{plugin_id}...``: one installed plugin's lifecycle, hooks, config, grants.

Each route is one manager call; errors travel as :class:`PluginError` to ``api/errors.py``.
This router is included *after* the fixed paths (marketplace, install, audit...) so that
those are never read as a plugin id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from .deps import ACTOR, HookName, Manager, PluginId
from .models import (
    ChangeAnswer,
    ConfigAnswer,
    ConfigRequest,
    HookAnswer,
    LoadAnswer,
    LoadRequest,
    PermissionsAnswer,
    PermissionsRequest,
    PluginDetailsModel,
    PluginSummary,
    SecurityLevel,
    Status,
    UnloadAnswer,
    VersionRequest,
)

collection = APIRouter()
router = APIRouter(prefix="/{plugin_id}")


@collection.get("/", response_model=list[PluginSummary], response_model_exclude_unset=True)
@collection.get(
    "",
    response_model=list[PluginSummary],
    response_model_exclude_unset=True,
    include_in_schema=False,  # /api/plugins without the slash: the console mount would 404 it
)
async def list_plugins(
    manager: Manager,
    status: Annotated[Status | None, Query(description="Only plugins in this status")] = None,
    security_level: Annotated[
        SecurityLevel | None, Query(description="Only plugins running at this level")
    ] = None,
    include_metadata: Annotated[bool, Query(description="Add each plugin's metadata")] = True,
) -> list[dict[str, Any]]:
    """Every installed plugin with its status, security level and capabilities."""
    return await manager.list_plugins(
        status=status, security_level=security_level, include_metadata=include_metadata
    )


@router.get("", response_model=PluginDetailsModel)
async def get_plugin(plugin_id: PluginId, manager: Manager) -> dict[str, Any]:
    """Everything about one plugin: metadata, status, config, hooks, permissions, security."""
    return await manager.get_plugin(plugin_id)


@router.delete("", response_model=ChangeAnswer, response_model_exclude_unset=True)
async def uninstall_plugin(
    plugin_id: PluginId,
    manager: Manager,
    keep_data: Annotated[
        bool, Query(description="Keep the plugin's data folder and config (default)")
    ] = True,
) -> dict[str, Any]:
    """Uninstall: stop the plugin and remove its code; data is kept unless keep_data=false."""
    return await manager.uninstall_plugin(plugin_id, keep_data=keep_data, actor=ACTOR)


@router.post("/load", response_model=LoadAnswer)
async def load_plugin(
    plugin_id: PluginId, manager: Manager, body: LoadRequest | None = None
) -> dict[str, Any]:
    """Load and enable a plugin, optionally with a config (validated first)."""
    config = body.config if body else None
    return await manager.load_plugin(plugin_id, config, actor=ACTOR)


@router.post("/unload", response_model=UnloadAnswer)
async def unload_plugin(plugin_id: PluginId, manager: Manager) -> dict[str, Any]:
    """Shut a running plugin down (its config and grants are kept)."""
    return await manager.unload_plugin(plugin_id, actor=ACTOR)


@router.post("/reload", response_model=LoadAnswer)
async def reload_plugin(plugin_id: PluginId, manager: Manager) -> dict[str, Any]:
    """Re-read the plugin's folder (manifest and code) and load it again."""
    return await manager.reload_plugin(plugin_id, actor=ACTOR)


@router.post("/hooks/{hook_name}", response_model=HookAnswer)
async def run_hook(
    plugin_id: PluginId,
    hook_name: HookName,
    manager: Manager,
    arguments: Annotated[
        dict[str, Any] | None,
        Body(description="The hook's keyword arguments", examples=[{"email_content": "Hi"}]),
    ] = None,
) -> dict[str, Any]:
    """Run one hook of an enabled plugin; the body is its keyword arguments."""
    return await manager.run_hook(plugin_id, hook_name, arguments or {}, actor=ACTOR)


@router.put("/config", response_model=ConfigAnswer)
async def update_config(
    plugin_id: PluginId, body: ConfigRequest, manager: Manager
) -> dict[str, Any]:
    """Replace the plugin's config; a running plugin is re-initialised with it."""
    return await manager.update_plugin_config(plugin_id, body.config, actor=ACTOR)


@router.post("/update", response_model=ChangeAnswer, response_model_exclude_unset=True)
async def update_plugin(
    plugin_id: PluginId, manager: Manager, body: VersionRequest | None = None
) -> dict[str, Any]:
    """Update from the marketplace to ``version`` (default: the latest)."""
    return await manager.update_plugin(plugin_id, body.version if body else None, actor=ACTOR)


@router.post("/rollback", response_model=ChangeAnswer, response_model_exclude_unset=True)
async def rollback_plugin(
    plugin_id: PluginId, manager: Manager, body: VersionRequest | None = None
) -> dict[str, Any]:
    """Go back to a kept earlier version (default: the previous one)."""
    return await manager.rollback_plugin(plugin_id, body.version if body else None, actor=ACTOR)


@router.get("/permissions", response_model=PermissionsAnswer)
async def get_permissions(plugin_id: PluginId, manager: Manager) -> dict[str, Any]:
    """Requested permissions with description, risk, and who granted them when."""
    return await manager.get_permissions(plugin_id)


@router.put("/permissions", response_model=PermissionsAnswer)
async def set_permissions(
    plugin_id: PluginId, body: PermissionsRequest, manager: Manager
) -> dict[str, Any]:
    """Make the plugin's grants exactly ``granted`` (revocations apply at the next call)."""
    return await manager.set_permissions(plugin_id, body.granted, actor=ACTOR)
