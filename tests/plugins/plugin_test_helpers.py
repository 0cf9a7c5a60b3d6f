"""Helpers for the plugin tests: finding plugin folders and importing one the way the host
does (a package under a unique module name)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DIR = ROOT / "plugins"
SOURCES_DIR = ROOT / "assets" / "marketplace" / "sources"
MANIFEST_SCHEMA_PATH = ROOT / "plugin_admin" / "schemas" / "plugin_manifest.schema.json"
BUILTIN_IDS = (
    "email_filter_plugin",
    "pii_redactor",
    "attachment_policy",
    "language_detector",
    "link_checker",
    "auto_tagger",
)


def builtin_folders() -> list[Path]:
    return [PLUGINS_DIR / plugin_id for plugin_id in BUILTIN_IDS]


def source_folders() -> list[Path]:
    return sorted(p for p in SOURCES_DIR.glob("*/*") if (p / "plugin.json").is_file())


def all_folders() -> list[Path]:
    return builtin_folders() + source_folders()


def folder_id(folder: Path) -> str:
    """Readable test id: "plugins/auto_tagger" or "sources/link_checker/1.2.0"."""
    if folder.parent == PLUGINS_DIR:
        return f"plugins/{folder.name}"
    return f"sources/{folder.parent.name}/{folder.name}"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def import_plugin_package(folder: Path) -> ModuleType:
    """Import a plugin folder as a package with a unique name (relative imports work and two
    plugins' ``utils`` modules never collide)."""
    safe = re.sub(r"\W", "_", folder_id(folder))
    name = f"plugin_under_test_{safe}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # keep plugin folders (package sources) free of __pycache__
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.dont_write_bytecode = previous
    return module


def forget_package(name: str) -> None:
    for module_name in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module_name]
