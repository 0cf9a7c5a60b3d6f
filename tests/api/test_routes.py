"""Every endpoint's success answer, in the seed's shapes, through the real app."""

from __future__ import annotations

import re

import httpx

from .conftest import CONFIG_SCHEMA


async def test_list_plugins_has_the_seed_fields(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/plugins/")
    assert response.status_code == 200
    plugins = {p["id"]: p for p in response.json()}
    assert sorted(plugins) == ["echo_plugin", "other_plugin"]
    echo = plugins["echo_plugin"]
    for key in ("id", "name", "version", "author", "description", "status", "security_level"):
        assert key in echo
    assert echo["status"] == "installed"
    assert echo["loaded"] is False and echo["loaded_at"] is None
    assert echo["metadata"]["permissions"] == ["read:emails"]


async def test_list_plugins_filters_and_can_omit_metadata(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    enabled = (await client.get("/api/plugins/", params={"status": "enabled"})).json()
    assert [p["id"] for p in enabled] == ["echo_plugin"]
    installed = (await client.get("/api/plugins/", params={"status": "installed"})).json()
    assert [p["id"] for p in installed] == ["other_plugin"]
    bare = (await client.get("/api/plugins/", params={"include_metadata": "false"})).json()
    assert all("metadata" not in p for p in bare)
    sandboxed = await client.get("/api/plugins/", params={"security_level": "sandboxed"})
    assert sandboxed.json() == []


async def test_plugin_details(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/plugins/echo_plugin")
    assert response.status_code == 200
    details = response.json()
    assert details["id"] == "echo_plugin"
    assert details["metadata"]["plugin_id"] == "echo_plugin"
    assert details["config"] == {"level": "low", "limit": 10}
    assert details["config_schema"] == CONFIG_SCHEMA
    assert details["hooks"] == ["boom", "echo", "read", "slow", "strict"]
    assert details["permissions"]["requested"] == ["read:emails"]


async def test_load_run_hook_configure_unload(client: httpx.AsyncClient) -> None:
    loaded = await client.post("/api/plugins/echo_plugin/load", json={"config": {"level": "high"}})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json() == {
        "plugin_id": "echo_plugin",
        "status": "loaded",
        "capabilities": ["testing"],
        "security_level": "standard",
    }

    called = await client.post("/api/plugins/echo_plugin/hooks/echo", json={"subject": "Hi"})
    assert called.status_code == 200, called.text
    body = called.json()
    assert body["hook_name"] == "echo"
    assert body["result"] == {"echo": {"subject": "Hi"}, "config": {"level": "high", "limit": 10}}
    assert isinstance(body["execution_time_ms"], float | int) and body["execution_time_ms"] >= 0

    doubled = await client.post("/api/plugins/echo_plugin/hooks/strict", json={"n": 21})
    assert doubled.json()["result"] == 42

    no_body = await client.post("/api/plugins/echo_plugin/hooks/echo")
    assert no_body.json()["result"]["echo"] == {}

    configured = await client.put(
        "/api/plugins/echo_plugin/config", json={"config": {"level": "low", "limit": 3}}
    )
    assert configured.status_code == 200, configured.text
    assert configured.json() == {
        "plugin_id": "echo_plugin",
        "status": "configuration_updated",
        "config": {"level": "low", "limit": 3},
    }
    again = await client.post("/api/plugins/echo_plugin/hooks/echo", json={})
    assert again.json()["result"]["config"] == {"level": "low", "limit": 3}

    unloaded = await client.post("/api/plugins/echo_plugin/unload")
    assert unloaded.json() == {"plugin_id": "echo_plugin", "status": "unloaded"}
    details = (await client.get("/api/plugins/echo_plugin")).json()
    assert details["status"] == "disabled" and details["loaded"] is False


async def test_load_without_body_uses_the_saved_config(client: httpx.AsyncClient) -> None:
    await client.put("/api/plugins/echo_plugin/config", json={"config": {"limit": 7}})
    assert (await client.post("/api/plugins/echo_plugin/load")).status_code == 200
    result = await client.post("/api/plugins/echo_plugin/hooks/echo", json={})
    assert result.json()["result"]["config"] == {"level": "low", "limit": 7}


async def test_reload_loads_the_plugin_again(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    response = await client.post("/api/plugins/echo_plugin/reload")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "loaded"
    assert (await client.get("/api/plugins/echo_plugin")).json()["status"] == "enabled"


async def test_permissions_get_and_put(client: httpx.AsyncClient) -> None:
    current = await client.get("/api/plugins/echo_plugin/permissions")
    assert current.status_code == 200
    body = current.json()
    assert body["granted"] == ["read:emails"]  # granted at install (PLUGIN_GRANT_ON_INSTALL)
    [item] = body["permissions"]
    assert item["name"] == "read:emails" and item["granted"] is True and item["risk"]

    revoked = await client.put("/api/plugins/echo_plugin/permissions", json={"granted": []})
    assert revoked.status_code == 200
    assert revoked.json()["granted"] == [] and revoked.json()["missing"] == ["read:emails"]

    regranted = await client.put(
        "/api/plugins/echo_plugin/permissions", json={"granted": ["read:emails"]}
    )
    [item] = regranted.json()["permissions"]
    assert item["granted"] is True and item["granted_by"] == "api-token"


async def test_audit_records_the_api_actor_and_filters(client: httpx.AsyncClient) -> None:
    await client.post("/api/plugins/echo_plugin/load")
    await client.post("/api/plugins/echo_plugin/hooks/echo", json={})
    response = await client.get(
        "/api/plugins/audit", params={"plugin_id": "echo_plugin", "action": "load"}
    )
    assert response.status_code == 200
    [event] = response.json()
    assert event["actor"] == "api-token" and event["outcome"] == "success"
    assert event["plugin_id"] == "echo_plugin" and event["timestamp"] > 0
    limited = (await client.get("/api/plugins/audit", params={"limit": 1})).json()
    assert len(limited) == 1


async def test_health_needs_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": "0.1.0",
        "plugins": {"total": 2, "installed": 2, "enabled": 0, "disabled": 0, "error": 0},
        "safe_mode": False,
        "safe_mode_reason": None,
    }


async def test_openapi_docs_and_console_are_served(anonymous: httpx.AsyncClient) -> None:
    schema = (await anonymous.get("/openapi.json")).json()
    assert "/api/plugins/{plugin_id}/hooks/{hook_name}" in schema["paths"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert (await anonymous.get("/docs")).status_code == 200
    console = await anonymous.get("/")
    assert console.status_code == 200 and "<html" in console.text.lower()


async def test_health_reports_safe_mode(settings, api_plugins) -> None:
    from plugin_admin.server import create_app

    app = create_app(settings.model_copy(update={"plugin_safe_mode": True}))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        health = (await client.get("/api/health")).json()
    assert health["status"] == "degraded" and health["safe_mode"] is True
    assert "PLUGIN_SAFE_MODE" in health["safe_mode_reason"]


async def test_the_list_answers_without_the_trailing_slash_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/plugins", params={"status": "installed"})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == ["echo_plugin", "other_plugin"]


async def test_the_console_loads_nothing_from_the_internet(anonymous: httpx.AsyncClient) -> None:
    """No external stylesheet, script or font (meta tags for link previews are not fetched)."""
    from .conftest import PASSWORD

    login = await anonymous.post("/login", data={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200
    page = (await anonymous.get("/")).text
    theme = (await anonymous.get("/theme.css")).text
    assert "fonts.googleapis" not in page + theme and "fonts.gstatic" not in page + theme
    external = re.findall(r"<(?:link|script|img)[^>]+(?:href|src)=\"(https?://[^\"]+)", page)
    assert external == []
    assert not re.findall(r"@import\s+url\(\"?https?://", theme)
