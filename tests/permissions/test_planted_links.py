"""The host never follows links a plugin planted in its own data folder.

A sandboxed plugin owns its data folder and the host runs as root: ``files -> /etc`` would
turn ``read_data("shadow")`` into a read of /etc/shadow, and ``logs -> /etc/cron.d`` a root
write. Planted here directly (as a worker could), then exercised through the real context.
"""

from __future__ import annotations

import os

import pytest

from plugin_admin import InvalidInputError

HOOKS = """
async def hook_read(self, name):
    return (await self.context.read_data(name)).decode()

async def hook_write(self, name, text):
    await self.context.write_data(name, text.encode())
    return "written"

async def hook_log(self, text):
    self.context.log("info", text)
    return "logged"
"""
SPECS = {"read": {}, "write": {}, "log": {}}


@pytest.fixture
async def planted(make_plugin, start_manager, tmp_path):
    make_plugin("planter", hooks=HOOKS, hook_specs=SPECS, permissions=["storage", "write:logs"])
    manager = await start_manager()
    await manager.load_plugin("planter")
    secret = tmp_path / "host_secrets"
    secret.mkdir()
    (secret / "shadow").write_text("root:secret-hash")
    data = manager.settings.plugin_data_path("planter")
    data.mkdir(parents=True, exist_ok=True)
    return manager, data, secret


async def test_a_linked_files_folder_is_neither_read_nor_written_through(planted):
    manager, data, secret = planted
    os.symlink(secret, data / "files")
    with pytest.raises(InvalidInputError, match="No data file 'shadow'"):
        await manager.run_hook("planter", "read", {"name": "shadow"})
    with pytest.raises(InvalidInputError, match="must be a real folder"):
        await manager.run_hook("planter", "write", {"name": "dropped", "text": "owned"})
    assert sorted(p.name for p in secret.iterdir()) == ["shadow"]


async def test_a_linked_file_or_fifo_is_not_followed(planted):
    manager, data, secret = planted
    (data / "files").mkdir()
    os.symlink(secret / "shadow", data / "files" / "notes")
    os.mkfifo(data / "files" / "pipe")
    for name in ("notes", "pipe"):
        with pytest.raises(InvalidInputError):
            await manager.run_hook("planter", "read", {"name": name})
    # writing replaces the link itself, never the file it points to
    assert (await manager.run_hook("planter", "write", {"name": "notes", "text": "mine"}))[
        "result"
    ] == "written"
    assert (secret / "shadow").read_text() == "root:secret-hash"
    assert (data / "files" / "notes").read_text() == "mine"


async def test_a_linked_log_folder_or_file_is_not_written_through(planted):
    manager, data, secret = planted
    os.symlink(secret, data / "logs")
    assert (await manager.run_hook("planter", "log", {"text": "* * * * * root evil"}))[
        "result"
    ] == "logged"
    assert sorted(p.name for p in secret.iterdir()) == ["shadow"]
    os.unlink(data / "logs")
    (data / "logs").mkdir()
    os.symlink(secret / "shadow", data / "logs" / "plugin.log")
    await manager.run_hook("planter", "log", {"text": "appended?"})
    assert (secret / "shadow").read_text() == "root:secret-hash"
    # the console still shows the line (the in-memory tail does not touch the disk)
    assert any("appended?" in line for line in manager.plugin_log_tail("planter"))
