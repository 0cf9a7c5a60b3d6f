"""Marketplace, install, update, rollback, uninstall, upload, backup and restore over HTTP,
against the bundled offline catalogue (the default marketplace)."""

from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from plugin_admin.server import create_app
from tests.plugin_factory import write_plugin

from .conftest import AUTH, api_settings, assert_error


async def test_marketplace_lists_the_bundled_catalogue(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/plugins/marketplace")
    assert response.status_code == 200, response.text
    entries = response.json()
    assert len(entries) == 9
    names = [e["name"].lower() for e in entries]
    assert names == sorted(names)  # sort=name by default
    entry = next(e for e in entries if e["plugin_id"] == "email_filter_plugin")
    for key in ("version", "author", "description", "download_url", "checksum", "tags"):
        assert entry[key], key
    assert entry["checksum"].startswith("sha256:")
    assert entry["installed_version"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "privacy"}, ["pii_redactor"]),
        ({"tags": ["nlp", "summary"]}, ["thread_summarizer"]),
        ({"q": "phishing"}, ["link_checker"]),
        ({"category": "analysis", "limit": 1}, ["language_detector"]),
        ({"category": "analysis", "limit": 1, "offset": 1}, ["signature_extractor"]),
        ({"category": "no_such_category"}, []),
    ],
    ids=["category", "repeated-tags", "search", "limit", "offset", "nothing"],
)
async def test_marketplace_filters(
    client: httpx.AsyncClient, params: dict, expected: list[str]
) -> None:
    response = await client.get("/api/plugins/marketplace", params=params)
    assert response.status_code == 200, response.text
    assert [e["plugin_id"] for e in response.json()] == expected


async def test_marketplace_entry_and_unknown_entry(client: httpx.AsyncClient) -> None:
    entry = await client.get("/api/plugins/marketplace/email_filter_plugin")
    assert entry.status_code == 200
    assert [v["version"] for v in entry.json()["versions"]] == ["1.1.0", "1.0.0"]
    missing = await client.get("/api/plugins/marketplace/no_such_plugin")
    assert_error(missing, 404, "no_such_plugin")


async def test_install_update_rollback_uninstall(client: httpx.AsyncClient) -> None:
    installed = await client.post(
        "/api/plugins/install", json={"plugin_id": "email_filter_plugin", "version": "1.0.0"}
    )
    assert installed.status_code == 200, installed.text
    body = installed.json()
    assert body["plugin_id"] == "email_filter_plugin" and body["status"] == "installed"
    assert body["version"] == "1.0.0" and isinstance(body["capabilities"], list)

    listed = await client.get("/api/plugins/marketplace", params={"installed": "update_available"})
    assert [e["plugin_id"] for e in listed.json()] == ["email_filter_plugin"]

    assert (await client.post("/api/plugins/email_filter_plugin/load")).status_code == 200
    updated = await client.post("/api/plugins/email_filter_plugin/update", json={})
    assert updated.status_code == 200, updated.text
    assert updated.json()["status"] == "updated"
    assert updated.json()["from_version"] == "1.0.0" and updated.json()["version"] == "1.1.0"
    details = (await client.get("/api/plugins/email_filter_plugin")).json()
    assert details["version"] == "1.1.0" and details["status"] == "enabled"

    same = await client.post("/api/plugins/email_filter_plugin/update", json={"version": "1.1.0"})
    assert_error(same, 409, "already at version 1.1.0")

    rolled = await client.post("/api/plugins/email_filter_plugin/rollback")
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["status"] == "rolled_back" and rolled.json()["version"] == "1.0.0"

    removed = await client.delete("/api/plugins/email_filter_plugin", params={"keep_data": False})
    assert removed.status_code == 200, removed.text
    assert removed.json() == {
        "plugin_id": "email_filter_plugin",
        "status": "uninstalled",
        "data_kept": False,
    }
    assert_error(await client.get("/api/plugins/email_filter_plugin"), 404)

    audit = (await client.get("/api/plugins/audit", params={"actor": "api-token"})).json()
    actions = {e["action"] for e in audit if e["plugin_id"] == "email_filter_plugin"}
    assert {"uninstall", "load"} <= actions


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"plugin_id": "no_such_plugin"}, 404, ["no_such_plugin"]),
        ({"plugin_id": "email_filter_plugin", "version": "9.9.9"}, 404, ["9.9.9", "1.1.0"]),
    ],
    ids=["unknown-plugin", "unknown-version"],
)
async def test_install_errors(
    client: httpx.AsyncClient, body: dict, status: int, words: list[str]
) -> None:
    assert_error(await client.post("/api/plugins/install", json=body), status, *words)


async def test_rollback_without_a_kept_version_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/plugins/echo_plugin/rollback", json={})
    assert_error(response, 404, "nothing to roll back")


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


async def test_upload_installs_a_zip_package(client: httpx.AsyncClient, tmp_path: Path) -> None:
    source = write_plugin(tmp_path / "sources", "uploaded_plugin")
    response = await client.post(
        "/api/plugins/upload",
        files={"file": ("uploaded_plugin.zip", zipped(source), "application/zip")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["plugin_id"] == "uploaded_plugin"
    assert response.json()["status"] == "installed"
    assert (await client.post("/api/plugins/uploaded_plugin/load")).status_code == 200
    called = await client.post("/api/plugins/uploaded_plugin/hooks/echo", json={"a": 1})
    assert called.json()["result"]["echo"] == {"a": 1}


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"not a zip at all", ["zip"]), (b"", [])],
    ids=["garbage", "empty"],
)
async def test_upload_refuses_bad_packages(
    client: httpx.AsyncClient, content: bytes, words: list[str]
) -> None:
    response = await client.post(
        "/api/plugins/upload", files={"file": ("x.zip", content, "application/zip")}
    )
    assert_error(response, 422, *words)
    assert [p["id"] for p in (await client.get("/api/plugins/")).json()] == [
        "echo_plugin",
        "other_plugin",
    ]


async def test_upload_without_a_file_is_422(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/api/plugins/upload"), 422, "file")


async def test_backup_and_restore(client: httpx.AsyncClient) -> None:
    await client.put("/api/plugins/echo_plugin/config", json={"config": {"limit": 5}})
    await client.post("/api/plugins/echo_plugin/load")
    backup = await client.get("/api/plugins/backup")
    assert backup.status_code == 200
    snapshot = backup.json()
    echo = next(p for p in snapshot["plugins"] if p["plugin_id"] == "echo_plugin")
    assert echo["status"] == "enabled" and echo["config"]["limit"] == 5
    assert echo["grants"] == ["read:emails"]

    await client.put("/api/plugins/echo_plugin/config", json={"config": {"limit": 9}})
    await client.post("/api/plugins/echo_plugin/unload")
    restored = await client.post("/api/plugins/restore", json=snapshot)
    assert restored.status_code == 200, restored.text
    report = restored.json()
    assert [c["plugin_id"] for c in report["changed"]] == ["echo_plugin"]
    assert report["failed"] == []
    details = (await client.get("/api/plugins/echo_plugin")).json()
    assert details["status"] == "enabled" and details["config"]["limit"] == 5


async def test_restore_refuses_something_that_is_not_a_snapshot(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/plugins/restore", json={"plugins": "all of them"})
    body = assert_error(response, 422)
    assert {e["path"] for e in body["errors"]} >= {"body.plugins", "body.created_at"}


# ------------------------------------------------------------------------- 502 marketplace
@pytest.fixture
async def offline_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose marketplace is a closed port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = api_settings(tmp_path).model_copy(
        update={"plugin_marketplace_url": f"http://127.0.0.1:{port}/market"}
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t", headers=AUTH) as client,
    ):
        yield client


async def test_502_when_the_marketplace_is_unreachable(
    offline_client: httpx.AsyncClient,
) -> None:
    assert_error(await offline_client.get("/api/plugins/marketplace"), 502, "127.0.0.1")
    response = await offline_client.post("/api/plugins/install", json={"plugin_id": "anything"})
    assert_error(response, 502)
