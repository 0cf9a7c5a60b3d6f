"""Fixtures for the sandbox tests: a manager with the escape plugin loaded in a real worker."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from plugin_admin import PluginManager
from plugin_admin.sandbox import isolation
from tests.sandbox.escape_plugin import write_escape_plugin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/sandbox/" in str(item.fspath):
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(scope="session", autouse=True)
def _bubblewrap_works() -> None:
    """These tests prove OS isolation: they must fail loudly, not skip, without it."""
    usable, reason = isolation.probe_bwrap()
    assert usable, f"the sandbox tests need a usable bubblewrap: {reason}"
    assert os.geteuid() == 0, "the sandbox tests run as root (per-plugin uid) in CI"


@pytest.fixture
async def escaper(
    plugins_dir: Path, start_manager: Callable[..., Any]
) -> AsyncIterator[PluginManager]:
    """A manager with ``escaper`` (granted read:emails and storage, not send:emails) running."""
    write_escape_plugin(plugins_dir, permissions=["read:emails", "storage"])
    manager = await start_manager()
    await manager.load_plugin("escaper")
    yield manager


async def call(manager: PluginManager, hook: str, **kwargs: Any) -> Any:
    return await manager.execute_plugin_hook("escaper", hook, **kwargs)


def processes_of_uid(uid: int) -> list[int]:
    """Host pids whose real uid is ``uid`` (what a leaked sandbox process would look like)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                found.append(int(name))
    return found
