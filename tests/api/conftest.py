"""The real application (REST API + console) on temporary folders, and clients for it.

``client`` talks to the app in-process (httpx ASGI transport, lifespan run, so the manager
is started and stopped as under uvicorn). Plugins written by ``api_plugins`` exist before
the app starts: one well-behaved plugin and the misbehaviours every error code needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from plugin_admin import Settings
from plugin_admin.server import create_app
from tests.conftest import make_settings
from tests.plugin_factory import write_plugin

TOKEN = "api-test-token-0123456789abcdef"
PASSWORD = "console-password-42"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ECHO_HOOKS = """
async def hook_echo(self, **kwargs):
    return {"echo": kwargs, "config": self.config}

async def hook_strict(self, n):
    return n * 2

async def hook_slow(self, **kwargs):
    await asyncio.sleep(30)

async def hook_boom(self, **kwargs):
    raise ValueError("kaboom")

async def hook_read(self, **kwargs):
    return await self.context.list_emails(limit=1)
"""

ECHO_SPECS = {
    "echo": {"description": "returns its arguments and the config"},
    "strict": {
        "description": "doubles n",
        "parameters": {
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
            "additionalProperties": False,
        },
    },
    "slow": {"description": "never finishes in time"},
    "boom": {"description": "raises"},
    "read": {"description": "reads one email (needs read:emails)"},
}

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "level": {"type": "string", "enum": ["low", "high"], "default": "low"},
        "limit": {"type": "integer", "minimum": 1, "default": 10},
    },
    "additionalProperties": False,
}


def write_echo_plugin(plugins_dir: Path, plugin_id: str = "echo_plugin") -> Path:
    return write_plugin(
        plugins_dir,
        plugin_id,
        hooks=ECHO_HOOKS,
        hook_specs=ECHO_SPECS,
        permissions=["read:emails"],
        manifest={"config_schema": CONFIG_SCHEMA, "category": "testing", "tags": ["demo"]},
    )


def api_settings(tmp_path: Path) -> Settings:
    """Known credentials, short hook time limit (504 tests stay quick)."""
    return make_settings(
        tmp_path,
        plugin_api_token=TOKEN,
        plugin_admin_password=PASSWORD,
        plugin_max_execution_time=0.5,
        plugin_max_file_size_mb=1,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return api_settings(tmp_path)


@pytest.fixture
def api_plugins(plugins_dir: Path) -> list[str]:
    write_echo_plugin(plugins_dir)
    write_plugin(plugins_dir, "other_plugin")
    return ["echo_plugin", "other_plugin"]


@pytest.fixture
async def app(settings: Settings, api_plugins: list[str]) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    """One app for a whole module of read-only tests (building the console takes seconds).

    Tests using it must run in the module's event loop:
    ``pytestmark = pytest.mark.asyncio(loop_scope="module")``.
    """
    settings = api_settings(tmp_path_factory.mktemp("shared"))
    settings.plugins_dir.mkdir(parents=True)
    write_echo_plugin(settings.plugins_dir)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(loop_scope="module")
async def shared_client(shared_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shared_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=AUTH
    ) as client:
        yield client


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending the right bearer token."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=AUTH
    ) as client:
        yield client


def assert_error(response: httpx.Response, status: int, *words: str) -> dict:
    """The one error shape: JSON ``{"detail": str}`` whose message mentions ``words``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body
