"""The fixed paths under ``/api/plugins``: marketplace, install, upload, audit, backup, restore;
and the unauthenticated ``/api/health``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Query, UploadFile

from .. import __version__
from ..backup import Snapshot
from ..errors import InvalidInputError
from .deps import ACTOR, Manager, PluginId, resolve
from .models import (
    PLUGIN_ID_PATTERN,
    AuditEvent,
    HealthAnswer,
    InstallAnswer,
    InstallRequest,
    MarketplaceEntry,
    RestoreAnswer,
    SecurityLevel,
)

router = APIRouter()
health_router = APIRouter()

MULTIPART_OVERHEAD = 64 * 1024

MarketplaceSort = Literal["name", "rating", "downloads", "updated"]
InstalledFilter = Literal["installed", "not_installed", "update_available"]


@router.get("/marketplace", response_model=list[MarketplaceEntry])
async def search_marketplace(
    manager: Manager,
    category: Annotated[str | None, Query(max_length=100)] = None,
    tags: Annotated[
        list[str] | None, Query(description="Repeatable; entries carry all these tags")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    q: Annotated[str | None, Query(max_length=200, description="Search name/description")] = None,
    sort: MarketplaceSort = "name",
    installed: Annotated[
        InstalledFilter | None, Query(description="Installed state to keep")
    ] = None,
    security_level: SecurityLevel | None = None,
) -> list[dict[str, Any]]:
    """Plugins available from the marketplace (the bundled catalogue by default)."""
    return await resolve(
        manager.search_marketplace(
            query=q,
            category=category,
            tags=tags,
            security_level=security_level,
            installed=installed,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/marketplace/{plugin_id}", response_model=MarketplaceEntry)
async def marketplace_plugin(plugin_id: PluginId, manager: Manager) -> dict[str, Any]:
    """One marketplace entry with all its versions."""
    return await resolve(manager.get_marketplace_plugin(plugin_id))


@router.post("/install", response_model=InstallAnswer)
async def install_plugin(body: InstallRequest, manager: Manager) -> dict[str, Any]:
    """Download, verify (checksum, signature) and install a plugin from the marketplace."""
    return await resolve(manager.install_plugin(body.plugin_id, body.version, actor=ACTOR))


@router.get("/audit", response_model=list[AuditEvent])
async def audit_log(
    manager: Manager,
    plugin_id: Annotated[str | None, Query(pattern=PLUGIN_ID_PATTERN)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    outcome: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[float | None, Query(description="Unix time, inclusive")] = None,
    until: Annotated[float | None, Query(description="Unix time, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    """Audit events (who did what to which plugin, and the outcome), newest first."""
    return manager.audit_log(
        plugin_id=plugin_id,
        action=action,
        actor=actor,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
    )


@router.get("/backup", response_model=Snapshot)
async def backup(manager: Manager) -> dict[str, Any]:
    """The whole plugin state as one JSON snapshot (versions, checksums, status, config,
    grants); POST it to /api/plugins/restore to get the same state back."""
    return await resolve(manager.export_state())


@router.post("/restore", response_model=RestoreAnswer)
async def restore(
    manager: Manager,
    snapshot: Annotated[Snapshot, Body(description="A snapshot from GET /backup")],
) -> dict[str, Any]:
    """Bring the plugin state to a snapshot; answers what changed and what could not be."""
    return await resolve(manager.restore_state(snapshot.model_dump(), actor=ACTOR))


def upload_router(max_file_bytes: int) -> APIRouter:
    """``POST /upload``, built per app: its body cap comes from PLUGIN_MAX_FILE_SIZE_MB."""
    uploads = APIRouter()

    @uploads.post("/upload", response_model=InstallAnswer)
    async def upload_plugin(
        manager: Manager,
        file: Annotated[UploadFile, File(description="A plugin package (.zip)")],
    ) -> dict[str, Any]:
        """Install a plugin from an uploaded zip package (same checks as a marketplace one)."""
        data = await file.read(max_file_bytes + 1)
        if len(data) > max_file_bytes:
            raise InvalidInputError(
                f"The package is larger than PLUGIN_MAX_FILE_SIZE_MB "
                f"({max_file_bytes // (1024 * 1024)} MiB); upload a smaller one."
            )
        return await resolve(
            manager.install_from_zip(data, filename=file.filename or "upload.zip", actor=ACTOR)
        )

    return uploads


@health_router.get("/api/health", response_model=HealthAnswer)
async def health(manager: Manager) -> dict[str, Any]:
    """Liveness and a summary, without authentication (for load balancers and scripts)."""
    plugins = await manager.list_plugins(include_metadata=False)
    counts = {"total": len(plugins), "installed": 0, "enabled": 0, "disabled": 0, "error": 0}
    for plugin in plugins:
        counts[plugin["status"]] += 1
    return {
        "status": "degraded" if counts["error"] or manager.safe_mode_reason else "ok",
        "version": __version__,
        "plugins": counts,
        "safe_mode": manager.safe_mode_reason is not None,
        "safe_mode_reason": manager.safe_mode_reason,
    }
