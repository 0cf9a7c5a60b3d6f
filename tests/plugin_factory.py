"""Write throw-away plugin folders for tests: a manifest plus hook methods given as source."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

TEMPLATE = """
import asyncio, os, sys, time
from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

{preamble}

class TestPlugin(PluginInterface):
    def __init__(self):
        self.config = None
        self.initialized = 0

    def get_metadata(self):
        return PluginMetadata(plugin_id={plugin_id!r}, name="Test", version={version!r},
                              author="tests", description="test plugin")

    async def initialize(self, config):
{initialize}

    async def shutdown(self):
{shutdown}

    def get_capabilities(self):
        return ["testing"]

    def get_required_permissions(self):
        return {permissions!r}

    async def execute_hook(self, hook_name, *args, **kwargs):
        method = getattr(self, "hook_" + hook_name, None)
        if method is None:
            raise ValueError("unknown hook " + hook_name)
        return await method(**kwargs)

{hooks}

def create_plugin():
    return TestPlugin()
"""

DEFAULT_HOOKS = """
async def hook_echo(self, **kwargs):
    return {"echo": kwargs, "config": self.config}
"""


def write_plugin(
    root: Path,
    plugin_id: str,
    *,
    hooks: str = DEFAULT_HOOKS,
    hook_specs: dict[str, Any] | None = None,
    manifest: dict[str, Any] | None = None,
    initialize: str = "self.config = config\nself.initialized += 1\nreturn True",
    shutdown: str = "return True",
    preamble: str = "",
    version: str = "1.0.0",
    permissions: list[str] | None = None,
    default_config: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """Create ``root/plugin_id`` and return it. ``hooks`` holds ``hook_<name>`` methods."""
    folder = root / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    permissions = permissions or []
    source = TEMPLATE.format(
        plugin_id=plugin_id,
        version=version,
        permissions=permissions,
        preamble=textwrap.dedent(preamble),
        initialize=textwrap.indent(textwrap.dedent(initialize), " " * 8),
        shutdown=textwrap.indent(textwrap.dedent(shutdown), " " * 8),
        hooks=textwrap.indent(textwrap.dedent(hooks), " " * 4),
    )
    (folder / "__init__.py").write_text(source)
    data = {
        "plugin_id": plugin_id,
        "name": "Test",
        "version": version,
        "author": "tests",
        "description": "test plugin",
        "permissions": permissions,
        "hooks": hook_specs if hook_specs is not None else {"echo": {"description": "echo"}},
    }
    data.update(manifest or {})
    (folder / "plugin.json").write_text(json.dumps(data, indent=2))
    if default_config is not None:
        (folder / "config").mkdir(exist_ok=True)
        (folder / "config" / "default.json").write_text(json.dumps(default_config))
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder
