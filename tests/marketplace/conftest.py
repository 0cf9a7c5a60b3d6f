"""Fixtures: a small test marketplace (folder and HTTP) and managers pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from plugin_admin import PluginManager
from tests.conftest import make_settings
from tests.marketplace.helpers import build_market, served, write_source

HOOK = """
async def hook_echo(self, **kwargs):
    return {"echo": kwargs, "version": VERSION, "config": self.config}
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """Two plugins: ``alpha`` 1.0.0 / 1.1.0 / 2.0.0 (2.0.0 asks for 'network'), ``beta`` 0.1."""
    root = tmp_path / "sources"
    schema = {"type": "object", "properties": {"level": {"type": "integer", "default": 1}}}
    for version in ("1.0.0", "1.1.0"):
        write_source(
            root,
            "alpha",
            version,
            preamble=f"VERSION = {version!r}",
            hooks=HOOK,
            permissions=["read:emails"],
            manifest={
                "config_schema": schema,
                "tags": ["spam", "filter"],
                "description": "Alpha filter",
            },
        )
    write_source(
        root,
        "alpha",
        "2.0.0",
        preamble="VERSION = '2.0.0'",
        hooks=HOOK,
        permissions=["read:emails", "network"],
        manifest={"config_schema": schema, "tags": ["spam"], "description": "Alpha filter"},
    )
    write_source(
        root,
        "beta",
        "0.1",
        preamble="VERSION = '0.1'",
        hooks=HOOK,
        manifest={"category": "analysis", "tags": ["language"], "description": "Beta analyser"},
    )
    return root


@pytest.fixture
def market_dir(tmp_path: Path, sources: Path) -> Path:
    out = tmp_path / "market"
    build_market(sources, out)
    return out


@pytest.fixture
def market_url(market_dir: Path):
    with served(market_dir) as url:
        yield url


@pytest.fixture
async def market_manager(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """``await market_manager(url, **settings)`` → an initialised manager on tmp folders."""
    started: list[PluginManager] = []

    async def start(url: str | Path, **overrides: Any) -> PluginManager:
        values = {
            "plugin_marketplace_url": str(url),
            "plugin_marketplace_timeout": 2,
            "plugin_trusted_keys_dir": tmp_path / "trusted_keys",
            "plugin_timeout_seconds": 10,
        }
        values.update(overrides)
        manager = PluginManager(settings=make_settings(tmp_path, **values))
        await manager.initialize()
        started.append(manager)
        return manager

    yield start
    for manager in started:
        await manager.shutdown()
