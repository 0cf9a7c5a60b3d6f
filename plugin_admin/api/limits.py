"""Request-size caps for ``/api/...``, checked before a route parses anything.

JSON bodies are capped at :data:`~plugin_admin.api.deps.MAX_JSON_BYTES`; the upload route at
PLUGIN_MAX_FILE_SIZE_MB (plus multipart overhead). A declared ``Content-Length`` over the cap
is refused without reading; a chunked body is counted while it is read. Either way the answer
is the usual JSON error (413), never a half-parsed request.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InvalidInputError
from .errors import error_response


class RequestTooLargeError(InvalidInputError):
    status_code = 413


class BodyLimitMiddleware:
    """Buffer an API request's body up to its cap, then replay it to the app."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await self._refuse(limit, scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        error = RequestTooLargeError(
            f"Request body too large: this endpoint accepts at most {limit // 1024} KiB "
            "(uploads: PLUGIN_MAX_FILE_SIZE_MB). Send a smaller body."
        )
        await error_response(error)(scope, receive, send)
