"""Generated plugin folders for the bench: the smallest plugin that follows the contract.

Each has one trivial hook, ``ping``, that returns a small dict (so the result check does the
JSON work a real hook would need), and no config schema, dependencies or permissions.
"""

from __future__ import annotations

import json
from pathlib import Path

from plugin_admin import Settings

HOOK = "ping"
HOOK_RESULT = {"pong": True}

SOURCE = '''"""Bench plugin {plugin_id}: one trivial hook."""

from plugin_admin import PluginInterface, PluginMetadata


class BenchPlugin(PluginInterface):
    async def initialize(self, config):
        return True

    async def shutdown(self):
        return True

    def get_metadata(self):
        return PluginMetadata(plugin_id={plugin_id!r}, name="Bench", version="1.0.0",
                              author="bench", description="bench plugin")

    def get_capabilities(self):
        return ["bench"]

    def get_required_permissions(self):
        return []

    async def execute_hook(self, hook_name, *args, **kwargs):
        if hook_name == "ping":
            return {{"pong": True}}
        raise ValueError("unknown hook " + hook_name)


def create_plugin():
    return BenchPlugin()
'''


def write_bench_plugin(root: Path, plugin_id: str, *, security_level: str = "standard") -> Path:
    folder = root / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text(SOURCE.format(plugin_id=plugin_id))
    manifest = {
        "plugin_id": plugin_id,
        "name": "Bench",
        "version": "1.0.0",
        "author": "bench",
        "description": "bench plugin",
        "security_level": security_level,
        "hooks": {HOOK: {"description": "returns {'pong': true}"}},
    }
    (folder / "plugin.json").write_text(json.dumps(manifest, indent=2))
    return folder


def plugin_ids(count: int, prefix: str = "bench") -> list[str]:
    return [f"{prefix}_{i:04d}" for i in range(count)]


def write_many(root: Path, count: int, *, security_level: str = "standard") -> list[str]:
    ids = plugin_ids(count)
    for plugin_id in ids:
        write_bench_plugin(root, plugin_id, security_level=security_level)
    return ids


def bench_settings(workdir: Path, **overrides: object) -> Settings:
    """Settings on a throw-away folder, ignoring any .env of the developer."""
    values: dict[str, object] = {
        "plugins_dir": workdir / "plugins",
        "plugin_data_dir": workdir / "data",
        "plugin_max_execution_time": 10,
        "plugin_timeout_seconds": 10,
    }
    values.update(overrides)
    settings = Settings(_env_file=None, **values)
    settings.plugins_dir.mkdir(parents=True, exist_ok=True)
    return settings
