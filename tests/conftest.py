"""Shared fixtures: a manager on temporary folders, and a plugin-folder factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hypothesis import settings as hypothesis_settings

from plugin_admin import PluginManager, Settings
from tests.plugin_factory import write_plugin

# CI must not fail at random: property tests there use a fixed seed per test (locally they
# keep exploring new examples, which is how they find bugs).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_PLUGINS = PROJECT_ROOT / "plugins"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on temporary folders, ignoring any developer .env file."""
    values: dict[str, Any] = {
        "plugins_dir": tmp_path / "plugins",
        "plugin_data_dir": tmp_path / "data",
        "plugin_max_execution_time": 2,
        "plugin_timeout_seconds": 5,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def plugins_dir(settings: Settings) -> Path:
    settings.plugins_dir.mkdir(parents=True, exist_ok=True)
    return settings.plugins_dir


@pytest.fixture
def make_plugin(plugins_dir: Path) -> Callable[..., Path]:
    """``make_plugin("my_plugin", hooks=..., ...)`` writes a plugin folder into PLUGINS_DIR."""

    def make(plugin_id: str, **kwargs: Any) -> Path:
        return write_plugin(plugins_dir, plugin_id, **kwargs)

    return make


@pytest.fixture
async def manager(settings: Settings, plugins_dir: Path) -> AsyncIterator[PluginManager]:
    """An initialised manager; plugins written before the test body runs are discovered."""
    instance = PluginManager(settings=settings)
    await instance.initialize()
    yield instance
    await instance.shutdown()


@pytest.fixture
def copy_builtin(plugins_dir: Path) -> Callable[[str], Path]:
    """Copy one of the shipped plugins from plugins/ into the test's PLUGINS_DIR."""
    import shutil

    def copy(plugin_id: str) -> Path:
        target = plugins_dir / plugin_id
        shutil.copytree(
            BUILTIN_PLUGINS / plugin_id,
            target,
            ignore=shutil.ignore_patterns("__pycache__", "data"),
        )
        return target

    return copy


@pytest.fixture
async def start_manager(settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    """``await start_manager(**setting_overrides)`` → an initialised manager, shut down after.

    Use it when plugins must exist before start-up, or to simulate a restart (call it twice,
    shutting the first one down in between).
    """
    started: list[PluginManager] = []

    async def start(**overrides: Any) -> PluginManager:
        current = settings.model_copy(update=overrides) if overrides else settings
        instance = PluginManager(settings=current)
        await instance.initialize()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        await instance.shutdown()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-load", action="store_true", help="run the load test for the full 60 seconds"
    )
