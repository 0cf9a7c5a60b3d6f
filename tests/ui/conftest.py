"""Fixtures for the console's handler tests: a real manager, a real marketplace folder."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from plugin_admin.marketplace.catalogue import build_bundled

SECRET_SCHEMA = {
    "type": "object",
    "properties": {
        "threshold": {"type": "integer", "minimum": 0, "default": 3, "description": "Score"},
        "mode": {"enum": ["fast", "slow"], "default": "fast"},
        "api_key": {"type": "string", "writeOnly": True, "default": ""},
    },
    "additionalProperties": False,
}

ECHO_SPEC = {
    "echo": {
        "description": "Return the arguments",
        "parameters": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        },
        "example": {"text": "hello"},
    },
    "boom": {"description": "Always fails", "example": {}},
}

HOOKS = """
async def hook_echo(self, **kwargs):
    import logging
    logging.getLogger(__name__).info("echoing %s", kwargs)
    return {"echo": kwargs}

async def hook_boom(self, **kwargs):
    raise RuntimeError("kaboom from the plugin")
"""


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled offline marketplace, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("marketplace")
    build_bundled(out)
    return out


@pytest.fixture
def echo_plugin(make_plugin: Callable[..., Path]) -> Callable[..., Path]:
    """``echo_plugin("id", permissions=[...])``: a plugin with echo/boom hooks and a secret."""

    def make(plugin_id: str = "echo_plugin", **kwargs: Any) -> Path:
        return make_plugin(
            plugin_id,
            hooks=HOOKS,
            hook_specs=ECHO_SPEC,
            manifest={"config_schema": SECRET_SCHEMA, **kwargs.pop("manifest", {})},
            **kwargs,
        )

    return make


def select(row: list[Any], index: int = 0) -> gr.SelectData:
    """What Gradio passes to a Dataframe's .select handler when a row is clicked."""
    return gr.SelectData(
        None,
        {
            "index": [index, 0],
            "value": row[0],
            "row_value": row,
            "col_value": None,
            "selected": True,
        },
    )


def first_row(frame: Any) -> list[Any]:
    return list(frame.iloc[0])


class FakeRequest:
    """A logged-in console request (only ``username`` and ``headers`` are read)."""

    def __init__(self, username: str | None = "alice", host: str = "console.test:7860") -> None:
        self.username = username
        self.headers = {"host": host}


class RecordingProgress:
    """Stands in for gr.Progress: remembers every (fraction, desc) it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str | None]] = []

    def __call__(self, fraction: float, desc: str | None = None, **_: Any) -> None:
        self.calls.append((fraction, desc))


@contextmanager
def warning_toast(match: str) -> Iterator[None]:
    """Assert that a ``gr.Warning`` toast with ``match`` was shown inside the block.

    Outside a Gradio event, ``gr.Warning`` becomes a ``UserWarning``. Unlike ``pytest.warns``
    this ignores unrelated warnings (e.g. a garbage-collected event loop's ResourceWarning from
    an earlier test), so it checks only the toast.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any(re.search(match, m) for m in messages), f"no toast matching {match!r}: {messages}"
