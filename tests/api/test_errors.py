"""Every error code of the contract, in the one shape, and bad input that must never be a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from loguru import logger

from .conftest import assert_error


# ------------------------------------------------------------------------------ 403 / 404
async def test_403_when_a_hook_uses_a_revoked_permission(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    await client.put("/api/plugins/echo_plugin/permissions", json={"granted": []})
    response = await client.post("/api/plugins/echo_plugin/hooks/read", json={})
    assert_error(response, 403, "read:emails")


@pytest.mark.parametrize(
    ("method", "path", "words"),
    [
        ("GET", "/api/plugins/no_such_plugin", ["no_such_plugin", "echo_plugin"]),
        ("POST", "/api/plugins/no_such_plugin/load", ["no_such_plugin"]),
        ("GET", "/api/plugins/no_such_plugin/permissions", ["no_such_plugin"]),
        ("POST", "/api/plugins/echo_plugin/hooks/nope", []),  # needs the plugin loaded first
        ("GET", "/api/plugins/echo_plugin/nothing_here", ["not found"]),  # unknown route
    ],
    ids=["details", "load", "permissions", "unknown-hook", "unknown-route"],
)
async def test_404(client: httpx.AsyncClient, method: str, path: str, words: list[str]) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    response = await client.request(method, path, json={} if method == "POST" else None)
    body = assert_error(response, 404, *words)
    if path.endswith("/nope"):
        assert "echo, read, slow, strict" in body["detail"]  # lists the hooks it does have


# ------------------------------------------------------------------------------------ 409
async def test_409_for_the_wrong_status(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/api/plugins/echo_plugin/unload"), 409, "not enabled")
    assert_error(await client.post("/api/plugins/echo_plugin/hooks/echo", json={}), 409, "load")
    await client.post("/api/plugins/echo_plugin/load")
    assert_error(await client.post("/api/plugins/echo_plugin/load"), 409, "already enabled")


async def test_409_when_a_required_permission_is_not_granted(client: httpx.AsyncClient) -> None:
    await client.put("/api/plugins/echo_plugin/permissions", json={"granted": []})
    response = await client.post("/api/plugins/echo_plugin/load")
    assert_error(response, 409, "read:emails", "/api/plugins/echo_plugin/permissions")


# ------------------------------------------------------------------------------------ 422
async def test_422_for_an_invalid_config_lists_each_path(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/plugins/echo_plugin/config", json={"config": {"level": "extreme", "limit": 0}}
    )
    body = assert_error(response, 422, "level", "limit", "unchanged")
    assert {e["path"] for e in body["errors"]} == {"$.level", "$.limit"}
    # nothing changed
    details = (await client.get("/api/plugins/echo_plugin")).json()
    assert details["config"] == {"level": "low", "limit": 10}


async def test_422_for_an_invalid_config_at_load(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/plugins/echo_plugin/load", json={"config": {"surprise": True}}
    )
    body = assert_error(response, 422, "surprise")
    assert body["errors"][0]["path"] == "$"
    assert (await client.get("/api/plugins/echo_plugin")).json()["status"] == "installed"


async def test_422_for_hook_arguments_that_fail_the_hook_schema(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    response = await client.post("/api/plugins/echo_plugin/hooks/strict", json={"n": "two"})
    body = assert_error(response, 422, "strict")
    assert body["errors"] == [{"path": "$.n", "message": "'two' is not of type 'integer'"}]


async def test_422_for_an_unknown_permission(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/plugins/echo_plugin/permissions", json={"granted": ["root:everything"]}
    )
    assert_error(response, 422, "root:everything", "known permissions")


# ------------------------------------------------------------------------------ 502 / 504
async def test_502_when_the_hook_raises(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    response = await client.post("/api/plugins/echo_plugin/hooks/boom", json={})
    assert_error(response, 502, "kaboom", "boom")


async def test_504_when_the_hook_times_out(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    response = await client.post("/api/plugins/echo_plugin/hooks/slow", json={})
    assert_error(response, 504, "PLUGIN_MAX_EXECUTION_TIME")


# ------------------------------------------------------------------------------------ 500
async def test_an_unexpected_exception_is_a_generic_500_with_a_logged_traceback(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(**kwargs: object) -> None:
        raise RuntimeError("secret internal state /var/lib/x")

    monkeypatch.setattr(app.state.manager, "list_plugins", broken)
    logged: list[str] = []
    sink = logger.add(logged.append, level="ERROR")
    try:
        response = await client.get("/api/plugins/")
    finally:
        logger.remove(sink)
    body = assert_error(response, 500, "internal server error", "bug")
    assert "secret" not in body["detail"]
    reference = body["detail"].split("reference ")[1].split(")")[0]
    [record] = [line for line in logged if reference in line]
    assert "RuntimeError: secret internal state" in record and "Traceback" in record
