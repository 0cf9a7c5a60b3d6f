"""The one place where errors become HTTP answers: ``{"detail": "..."}`` (+ ``"errors"``).

* :class:`~plugin_admin.errors.PluginError` → its ``status_code`` and ``to_dict()``;
* request validation (bad id, wrong type, non-JSON body) → 422 with one line per problem;
* Starlette's own HTTP errors (404 unknown path, 405 wrong method) keep their code;
* anything else is a bug → 500 with a generic message, the traceback goes to the log.
"""

from __future__ import annotations

import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import PluginError


def error_response(exc: PluginError) -> JSONResponse:
    """The JSON answer for a :class:`PluginError` (also used by the auth middleware)."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)


async def _plugin_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PluginError)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_describe(error) for error in exc.errors()]
    content_type = request.headers.get("content-type", "")
    if request.method in ("POST", "PUT") and "json" not in content_type:
        for error in errors:  # FastAPI ignores a body that is not declared as JSON
            if error["path"] == "body":
                error["message"] = (
                    f"send the body as JSON with Content-Type: application/json "
                    f"(got {content_type or 'no Content-Type'})"
                )
    listing = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:10])
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    return JSONResponse(
        {
            "detail": f"Invalid request: {listing}{more}. See /docs for the expected shape.",
            "errors": errors,
        },
        status_code=422,
    )


def _describe(error: dict[str, Any]) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ())) or "request"
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        location = "body"
        message = "the body is not valid JSON (send Content-Type: application/json)"
    elif error.get("type") == "string_pattern_mismatch" and location.startswith("path."):
        message = (
            "must be 2-64 lower-case letters, digits or underscores, starting with a letter"
            if location.endswith("plugin_id")
            else f"does not match {error.get('ctx', {}).get('pattern', 'the allowed pattern')}"
        )
    return {"path": location, "message": message}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 400:  # FastAPI could not decode the body (bad bytes, broken form)
        return JSONResponse(
            {
                "detail": f"Invalid request body ({detail}): send UTF-8 JSON with "
                "Content-Type: application/json (uploads: multipart/form-data).",
                "errors": [{"path": "body", "message": detail}],
            },
            status_code=422,
        )
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    # Plain traceback text: loguru's "diagnose" mode would print variable values (tokens).
    logger.error(
        "unexpected error {} on {} {}\n{}",
        reference,
        request.method,
        request.url.path,
        "".join(traceback.format_exception(exc)),
    )
    return JSONResponse(
        {
            "detail": f"Internal server error (reference {reference}). This is a bug in "
            "plugin-admin, not in your request; the traceback is in the server log."
        },
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PluginError, _plugin_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
