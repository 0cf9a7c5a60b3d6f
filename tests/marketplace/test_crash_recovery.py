"""A kill -9 at any moment leaves the old plugin or the new one, and leftovers are cleaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from plugin_admin.marketplace import installer
from plugin_admin.marketplace.installer import Stage
from tests.conftest import PROJECT_ROOT
from tests.marketplace.helpers import build_market, tree, write_source

UPDATE_SCRIPT = """
import asyncio
from plugin_admin import PluginManager

async def main():
    manager = PluginManager()
    await manager.initialize()
    await manager.update_plugin("alpha", "1.1.0")

asyncio.run(main())
"""


async def test_kill_during_update_then_restart(tmp_path, sources, market_manager):
    pid_file = tmp_path / "probe.pid"
    write_source(
        sources,
        "alpha",
        "1.1.0",
        preamble=(
            f"from pathlib import Path\nPath({str(pid_file)!r}).write_text(str(os.getpid()))\n"
            "time.sleep(60)"
        ),
    )
    market = tmp_path / "market"
    build_market(sources, market)
    manager = await market_manager(market, plugin_timeout_seconds=120)
    await manager.install_plugin("alpha", "1.0.0")
    await manager.load_plugin("alpha")
    settings = manager.settings
    await manager.shutdown()

    env = {
        "PATH": os.environ.get("PATH", ""),
        "PLUGINS_DIR": str(settings.plugins_dir),
        "PLUGIN_DATA_DIR": str(settings.plugin_data_dir),
        "PLUGIN_MARKETPLACE_URL": str(market),
        "PLUGIN_TIMEOUT_SECONDS": "120",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", UPDATE_SCRIPT],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    probe_pid = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if pid_file.exists() and pid_file.read_text():
                probe_pid = int(pid_file.read_text())
                break
            time.sleep(0.05)
        output = b"" if process.poll() is None else process.stdout.read()
        assert probe_pid is not None, f"the update never reached the test import: {output!r}"
        staging = settings.plugins_dir.parent / ".plugin-admin-staging"
        assert tree(staging), "the update should be staged when it is killed"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if probe_pid is not None:
            try:
                os.kill(probe_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.stdout.close()

    restarted = await market_manager(market)
    assert tree(settings.plugins_dir.parent / ".plugin-admin-staging") == []
    details = await restarted.get_plugin("alpha")
    assert details["version"] == "1.0.0"
    assert details["status"] == "enabled"  # the old version came back up after the restart
    assert (await restarted.run_hook("alpha", "echo", {}))["result"]["version"] == "1.0.0"
    assert tree(settings.plugins_dir) == tree(Path(details["path"]).parent)


def _half_swap(tmp_path: Path, *, second_rename: bool) -> tuple[Path, Path]:
    plugins = tmp_path / "plugins"
    (plugins / "alpha").mkdir(parents=True)
    (plugins / "alpha" / "VERSION").write_text("old")
    stage = Stage.create(plugins, "alpha")
    stage.new.mkdir(parents=True)
    (stage.new / "VERSION").write_text("new")
    archive = {"versions_dir": str(tmp_path / "versions"), "version": "1.0.0", "meta": {}}
    installer._write_json(
        stage.root / installer.JOURNAL,
        {"plugin_id": "alpha", "target": str(plugins / "alpha"), "archive": archive},
    )
    stage.old.parent.mkdir(parents=True)
    os.rename(plugins / "alpha", stage.old)  # ... and the process dies here (or after the next)
    if second_rename:
        os.rename(stage.new, plugins / "alpha")
    stage.release()  # what the kernel does when the process dies
    return plugins, tmp_path / "versions"


def test_recovery_undoes_a_swap_cut_between_the_renames(tmp_path):
    plugins, _ = _half_swap(tmp_path, second_rename=False)
    notes = installer.recover(plugins)
    assert (plugins / "alpha" / "VERSION").read_text() == "old"
    assert any("undone" in note for note in notes)
    assert tree(plugins.parent / ".plugin-admin-staging") == []


def test_recovery_completes_a_swap_cut_after_the_renames(tmp_path):
    plugins, versions = _half_swap(tmp_path, second_rename=True)
    installer.recover(plugins)
    assert (plugins / "alpha" / "VERSION").read_text() == "new"
    assert (versions / "alpha" / "1.0.0" / "alpha" / "VERSION").read_text() == "old"
    assert tree(plugins.parent / ".plugin-admin-staging") == []


def test_recovery_leaves_a_stage_in_use_by_a_live_process_alone(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    busy = Stage.create(plugins, "alpha")
    busy.new.mkdir(parents=True)
    installer.recover(plugins)  # e.g. a CLI command starting while the server installs
    assert busy.new.is_dir()
    busy.release()
    installer.recover(plugins)
    assert not busy.root.exists()
