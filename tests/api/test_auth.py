"""Who gets in: the bearer token on every REST route, the console login, generated secrets,
and the refusal to serve without auth beyond this machine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from plugin_admin.auth import (
    CREDENTIALS_FILE,
    AuthenticationError,
    Credentials,
    InsecureBindError,
    SecretHash,
    check_bind_address,
    is_loopback,
    load_credentials,
    reset_credentials,
)
from plugin_admin.server import create_app
from tests.conftest import make_settings

from .conftest import PASSWORD, TOKEN, assert_error

# Tests on the module-wide app run in the module's event loop.
shared = pytest.mark.asyncio(loop_scope="module")

UNPROTECTED = {"/api/health"}


def api_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) for every REST operation of the app's route table."""
    operations = []
    for route in iter_route_contexts(app.routes):  # flattens included routers
        if not isinstance(route.original_route, APIRoute) or route.path in UNPROTECTED:
            continue
        if not route.path.startswith("/api/"):
            continue
        path = route.path.replace("{plugin_id}", "echo_plugin").replace("{hook_name}", "echo")
        operations.extend((method, path) for method in sorted(route.methods or ()))
    return operations


@shared
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": TOKEN},
    ],
    ids=["none", "wrong", "token-plus-one", "basic-scheme", "empty-bearer", "no-scheme"],
)
async def test_every_rest_route_answers_401_without_the_right_token(
    shared_app: FastAPI, headers: dict[str, str]
) -> None:
    operations = api_operations(shared_app)
    assert len(operations) >= 19  # the whole route table, not an empty loop
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    failures = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for method, path in operations:
            # a body that would otherwise be valid, or invalid: auth is checked first either way
            response = await client.request(method, path, headers=headers, content=b"{bad")
            if response.status_code != 401 or response.headers.get("www-authenticate") != (
                "Bearer"
            ):
                failures.append((method, path, response.status_code))
            elif "Bearer" not in response.json()["detail"] and "token" not in (
                response.json()["detail"].lower()
            ):
                failures.append((method, path, response.json()))
    assert failures == []


@shared
async def test_unknown_paths_under_api_plugins_also_need_the_token(shared_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/plugins/echo_plugin/secret/files")
    assert_error(response, 401, "Authorization: Bearer")


@shared
async def test_every_protected_operation_declares_bearer_auth_in_openapi(
    shared_client: httpx.AsyncClient,
) -> None:
    schema = (await shared_client.get("/openapi.json")).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = operation.get("security") == [{"HTTPBearer": []}]
            assert declared == (path not in UNPROTECTED), (method, path)


@shared
async def test_the_right_token_is_accepted(shared_client: httpx.AsyncClient) -> None:
    assert (await shared_client.get("/api/plugins/")).status_code == 200
    lower_scheme = await shared_client.get(
        "/api/plugins/", headers={"Authorization": f"bearer {TOKEN}"}
    )
    assert lower_scheme.status_code == 200


@shared
async def test_console_requires_the_login(shared_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        assert (await browser.get("/config")).status_code == 401
        wrong = await browser.post("/login", data={"username": "admin", "password": "nope"})
        assert wrong.status_code == 400
        bad_user = await browser.post("/login", data={"username": "root", "password": PASSWORD})
        assert bad_user.status_code == 400
        right = await browser.post("/login", data={"username": "admin", "password": PASSWORD})
        assert right.status_code == 200 and right.json() == {"success": True}
        assert (await browser.get("/config")).status_code == 200
        # the console cookie is not an API credential
        assert (await browser.get("/api/plugins/")).status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/queue/join", "/gradio_api/run/predict", "/gradio_api/call/backup"],
)
async def test_console_event_endpoints_need_the_login_too(shared_app: FastAPI, path: str) -> None:
    # Every console handler is also an HTTP endpoint: without the login cookie, none answers.
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        answer = await anonymous.post(path, json={"fn_index": 0, "data": [], "session_hash": "x"})
    assert answer.status_code == 401


# --------------------------------------------------------------------- generated secrets
def test_generated_secrets_are_printed_once_and_stored_only_hashed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    shown: list[str] = []
    first = load_credentials(settings, announce=shown.append)
    [banner] = shown
    token = re.search(r"REST API token : (\S+)", banner).group(1)
    password = re.search(r"Console login  : admin / (\S+)", banner).group(1)
    assert len(token) >= 40 and len(password) >= 16
    assert first.check_token(token) and first.check_login("admin", password)

    stored_text = (tmp_path / "data" / CREDENTIALS_FILE).read_text()
    assert token not in stored_text and password not in stored_text
    stored = json.loads(stored_text)
    assert set(stored) == {"api_token", "admin_password"}
    assert stored["api_token"]["scheme"].startswith("scrypt")
    assert (tmp_path / "data" / CREDENTIALS_FILE).stat().st_mode & 0o077 == 0

    second = load_credentials(settings, announce=shown.append)  # a restart
    assert len(shown) == 1  # not printed again
    assert second.check_token(token) and not second.check_token(token[:-1])
    assert second.check_login("admin", password) and not second.check_login("admin", token)


def test_configured_secrets_win_and_are_never_written(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, plugin_api_token=TOKEN, plugin_admin_password=PASSWORD)
    shown: list[str] = []
    credentials = load_credentials(settings, announce=shown.append)
    assert shown == []
    assert not (tmp_path / "data" / CREDENTIALS_FILE).exists()
    assert credentials.check_token(TOKEN) and credentials.check_login("admin", PASSWORD)


def test_only_the_missing_secret_is_generated(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, plugin_api_token=TOKEN)
    shown: list[str] = []
    load_credentials(settings, announce=shown.append)
    [banner] = shown
    assert "Console login" in banner and "REST API token" not in banner
    assert set(json.loads((tmp_path / "data" / CREDENTIALS_FILE).read_text())) == {"admin_password"}


def test_reset_generates_new_secrets_and_forgets_the_old(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    shown: list[str] = []
    load_credentials(settings, announce=shown.append)
    old = re.search(r"REST API token : (\S+)", shown[0]).group(1)
    fresh = reset_credentials(settings, announce=shown.append)
    new = re.search(r"REST API token : (\S+)", shown[1]).group(1)
    assert new != old and fresh.check_token(new) and not fresh.check_token(old)


def test_cli_reset_credentials_prints_new_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plugin_admin.cli import main

    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("PLUGIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PLUGIN_API_TOKEN", raising=False)
    assert main(["reset-credentials"]) == 0
    out = capsys.readouterr().out
    token = re.search(r"REST API token : (\S+)", out).group(1)
    assert load_credentials(make_settings(tmp_path)).check_token(token)


def test_an_unreadable_store_is_replaced_not_fatal(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "data" / CREDENTIALS_FILE).write_text("{not json")
    shown: list[str] = []
    credentials = load_credentials(settings, announce=shown.append)
    token = re.search(r"REST API token : (\S+)", shown[0]).group(1)
    assert credentials.check_token(token)


def test_secret_hash_is_salted() -> None:
    a, b = SecretHash.of("same"), SecretHash.of("same")
    assert a.salt != b.salt and a.digest != b.digest
    assert a.matches("same") and not a.matches("Same")


def test_a_token_check_is_cached_only_for_the_right_token() -> None:
    credentials = Credentials(
        username="admin", token=SecretHash.of("right"), password=SecretHash.of("pw")
    )
    for _ in range(3):
        assert credentials.check_token("right")
        assert not credentials.check_token("wrong")
    assert not credentials.check_token("")
    assert not credentials.check_token(None)


# ------------------------------------------------------------------ auth disabled / binding
@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5"])
def test_refuses_to_build_an_app_without_auth_on_a_public_address(
    tmp_path: Path, host: str
) -> None:
    settings = make_settings(tmp_path, plugin_admin_auth_disabled=True, plugin_admin_host=host)
    with pytest.raises(InsecureBindError, match="PLUGIN_ADMIN_AUTH_DISABLED"):
        create_app(settings)
    with pytest.raises(InsecureBindError, match=host):
        check_bind_address(settings)


def test_public_address_with_auth_is_allowed(tmp_path: Path) -> None:
    check_bind_address(make_settings(tmp_path, plugin_admin_host="0.0.0.0"))


async def test_auth_disabled_on_loopback_lets_everyone_in(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, plugin_admin_auth_disabled=True)
    app = create_app(settings)
    assert not (tmp_path / "data" / CREDENTIALS_FILE).exists()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        assert (await client.get("/api/plugins/")).status_code == 200
        assert (await client.get("/config")).status_code == 200  # console: no login


async def test_async_token_check_matches_the_sync_one() -> None:
    credentials = Credentials(
        username="admin", token=SecretHash.of("right"), password=SecretHash.of("pw")
    )
    assert await credentials.require_token_async("Bearer right") == "api-token"
    assert await credentials.require_token_async("Bearer right") == "api-token"  # cached
    for header in ("Bearer wrong", "Bearer ", "right", None):
        with pytest.raises(AuthenticationError):
            await credentials.require_token_async(header)
    assert await credentials.check_login_async("admin", "pw")
    assert not await credentials.check_login_async("admin", "right")
