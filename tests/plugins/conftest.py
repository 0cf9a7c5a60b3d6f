"""Fixtures shared by the plugin tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from plugin_test_helpers import forget_package, import_plugin_package

from plugin_admin import PluginInterface


@pytest.fixture
def load_plugin() -> Iterator[Callable[[Path], PluginInterface]]:
    """``load_plugin(folder)`` -> a fresh plugin instance from ``create_plugin()``."""
    imported: list[str] = []

    def _load(folder: Path) -> PluginInterface:
        module = import_plugin_package(Path(folder))
        imported.append(module.__name__)
        return module.create_plugin()

    yield _load
    for name in imported:
        forget_package(name)
