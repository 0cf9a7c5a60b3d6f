"""Bad input of every kind is refused with 413/422/404 in the one error shape, never a 500.

These requests are refused before they reach the manager, so one app serves the module.
"""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from .conftest import assert_error

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("PUT", "/api/plugins/echo_plugin/config", {"config": [1, 2]}, "body.config"),
        ("PUT", "/api/plugins/echo_plugin/config", {}, "body.config"),
        ("PUT", "/api/plugins/echo_plugin/config", {"config": {}, "x": 1}, "body.x"),
        ("POST", "/api/plugins/echo_plugin/load", {"config": "high"}, "body.config"),
        ("POST", "/api/plugins/echo_plugin/hooks/echo", [1, 2, 3], "body"),
        ("POST", "/api/plugins/echo_plugin/hooks/echo", "text", "body"),
        ("PUT", "/api/plugins/echo_plugin/permissions", {"granted": "read:emails"}, "body.granted"),
        ("POST", "/api/plugins/install", {"plugin_id": "Bad Id"}, "body.plugin_id"),
        ("POST", "/api/plugins/install", {"version": "1.0"}, "body.plugin_id"),
        ("POST", "/api/plugins/echo_plugin/update", {"version": 2}, "body.version"),
        ("POST", "/api/plugins/restore", [], "body"),
        ("GET", "/api/plugins/?status=running", None, "query.status"),
        ("GET", "/api/plugins/?include_metadata=maybe", None, "query.include_metadata"),
        ("GET", "/api/plugins/audit?limit=0", None, "query.limit"),
        ("GET", "/api/plugins/audit?since=yesterday", None, "query.since"),
        ("GET", "/api/plugins/marketplace?limit=-1", None, "query.limit"),
        ("DELETE", "/api/plugins/echo_plugin?keep_data=perhaps", None, "query.keep_data"),
    ],
)
async def test_422_for_wrong_types_names_the_field(
    shared_client: httpx.AsyncClient, method: str, path: str, body: object, where: str
) -> None:
    response = await shared_client.request(method, path, json=body)
    answer = assert_error(response, 422, where)
    assert where in [e["path"] for e in answer["errors"]]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe\x00", b'{"config": {"a": 1}'],
    ids=["broken", "empty", "binary", "truncated"],
)
async def test_non_json_bodies_are_422(shared_client: httpx.AsyncClient, content: bytes) -> None:
    response = await shared_client.put(
        "/api/plugins/echo_plugin/config",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 422)


async def test_a_form_body_where_json_is_expected_is_422(shared_client: httpx.AsyncClient) -> None:
    response = await shared_client.put("/api/plugins/echo_plugin/config", data={"config": "x"})
    assert_error(response, 422, "body")


BAD_IDS = [
    ("..%2Fetc", "path traversal, url-encoded"),
    ("a%2Fb", "slash, url-encoded"),
    ("x" * 300, "300 characters"),
    ("UPPER", "upper case"),
    ("has-dash", "dash"),
    ("1starts_with_digit", "digit first"),
    ("%00nul", "NUL byte"),
    ("caf%C3%A9", "non-ASCII"),
]


@pytest.mark.parametrize(("plugin_id", "why"), BAD_IDS, ids=[why for _, why in BAD_IDS])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/load"),
        ("POST", "/unload"),
        ("POST", "/reload"),
        ("POST", "/hooks/echo"),
        ("PUT", "/config"),
        ("GET", "/permissions"),
        ("POST", "/update"),
    ],
)
async def test_bad_plugin_ids_are_422_or_404_never_500(
    shared_client: httpx.AsyncClient, plugin_id: str, why: str, method: str, suffix: str
) -> None:
    body = {"config": {}} if suffix == "/config" else None
    response = await shared_client.request(method, f"/api/plugins/{plugin_id}{suffix}", json=body)
    assert response.status_code in (404, 405, 422), (why, response.status_code, response.text)
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("hook", ["UPPER", "x" * 100, "a%2Fb", "-dash"])
async def test_bad_hook_names_are_422_or_404(shared_client: httpx.AsyncClient, hook: str) -> None:
    response = await shared_client.post(f"/api/plugins/echo_plugin/hooks/{hook}", json={})
    assert response.status_code in (404, 422), response.text


async def test_install_rejects_a_bad_id_before_touching_the_marketplace(
    shared_client: httpx.AsyncClient,
) -> None:
    response = await shared_client.post(
        "/api/plugins/install", json={"plugin_id": "../../etc/passwd"}
    )
    assert_error(response, 422, "body.plugin_id")


# ------------------------------------------------------------------------------------ 413
async def test_huge_json_body_is_413_without_parsing(shared_client: httpx.AsyncClient) -> None:
    huge = json.dumps({"config": {"blob": "x" * (9 * 1024 * 1024)}})
    response = await shared_client.put(
        "/api/plugins/echo_plugin/config",
        content=huge,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 413, "too large")


async def test_huge_chunked_body_is_413(shared_client: httpx.AsyncClient) -> None:
    async def chunks():
        for _ in range(20):
            yield b"x" * (512 * 1024)

    response = await shared_client.post(
        "/api/plugins/echo_plugin/hooks/echo",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "too large")


async def test_huge_upload_is_413(shared_client: httpx.AsyncClient, shared_app: FastAPI) -> None:
    limit = shared_app.state.settings.plugin_max_file_size_mb * 1024 * 1024
    response = await shared_client.post(
        "/api/plugins/upload",
        files={"file": ("big.zip", b"\0" * (limit + 200 * 1024), "application/zip")},
    )
    assert_error(response, 413, "PLUGIN_MAX_FILE_SIZE_MB")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # recursion bomb
        (b'{"config": {}}', "text/plain"),  # JSON under another type (CSRF-style form post)
        (b'{"config": {}}', None),
        (b'{"config": {"a": NaN}}', "application/json"),
        (b'{"config": {"a": 1e999999}}', "application/json"),
    ],
    ids=["deeply-nested", "text-plain", "no-content-type", "nan", "huge-number"],
)
async def test_odd_bodies_are_422(
    shared_client: httpx.AsyncClient, content: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await shared_client.put(
        "/api/plugins/echo_plugin/config", content=content, headers=headers
    )
    answer = assert_error(response, 422)
    if content_type != "application/json":
        assert "Content-Type: application/json" in answer["detail"]
