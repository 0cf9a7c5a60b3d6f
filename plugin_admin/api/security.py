"""Bearer-token protection of everything under ``/api/plugins``.

The check is an ASGI middleware rather than a per-route dependency so that it runs before
anything else looks at the request (body parsing, validation, routing): an unauthenticated
caller learns nothing, and a route added later cannot forget it. ``bearer_scheme`` only
declares the scheme in ``/openapi.json`` (the "Authorize" button of ``/docs``).
"""

from __future__ import annotations

from fastapi.security import HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ..auth import AuthenticationError, Credentials
from .errors import error_response

PROTECTED_PREFIX = "/api/plugins"

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="PLUGIN_API_TOKEN, or the token printed once at first start.",
)


def is_protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


class TokenAuthMiddleware:
    """Answer 401 to any request under ``/api/plugins`` without the right bearer token."""

    def __init__(self, app: ASGIApp, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_protected(scope["path"]):
            try:
                await self.credentials.require_token_async(
                    Headers(scope=scope).get("authorization")
                )
            except AuthenticationError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
