"""The REST API: routers, models, token auth and error mapping (mounted by ``server.py``).

Route order matters: the fixed paths (``/marketplace``, ``/install``, ``/upload``, ``/audit``,
``/backup``, ``/restore``) are included before ``/{plugin_id}`` so they are never read as ids.
"""

from __future__ import annotations

from fastapi import FastAPI, Security

from ..auth import Credentials
from . import admin, plugins
from .deps import MAX_JSON_BYTES
from .errors import install_error_handlers
from .limits import BodyLimitMiddleware
from .models import ErrorAnswer
from .security import PROTECTED_PREFIX, TokenAuthMiddleware, bearer_scheme

ERROR_RESPONSES: dict[int | str, dict] = {
    code: {"model": ErrorAnswer, "description": description}
    for code, description in {
        401: "No or wrong bearer token",
        403: "A permission is not granted",
        404: "Unknown plugin, hook, version or marketplace entry",
        409: "Wrong status for this operation, or another operation is running",
        413: "Request body too large",
        422: "Invalid input (each invalid value is listed in errors)",
        502: "The plugin failed, or the marketplace is unreachable or invalid",
        503: "Storage unavailable (data dir read-only, full or locked)",
        504: "The hook timed out",
    }.items()
}


def install_api(app: FastAPI, credentials: Credentials, *, max_upload_bytes: int) -> None:
    """Add the REST routes, their error handlers and the token check to ``app``."""
    install_error_handlers(app)
    app.include_router(admin.health_router, tags=["health"])
    protected = {
        "prefix": PROTECTED_PREFIX,
        "dependencies": [Security(bearer_scheme)],
        "responses": ERROR_RESPONSES,
    }
    app.include_router(admin.router, tags=["marketplace & admin"], **protected)
    app.include_router(admin.upload_router(max_upload_bytes), tags=["plugins"], **protected)
    app.include_router(plugins.collection, tags=["plugins"], **protected)
    app.include_router(plugins.router, tags=["plugins"], **protected)

    def limit_for(path: str) -> int | None:
        if not path.startswith("/api/"):
            return None  # the console has its own upload limits
        if path == f"{PROTECTED_PREFIX}/upload":
            return max_upload_bytes + admin.MULTIPART_OVERHEAD
        return MAX_JSON_BYTES

    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    app.add_middleware(TokenAuthMiddleware, credentials=credentials)  # outermost: runs first


__all__ = ["ERROR_RESPONSES", "install_api"]
