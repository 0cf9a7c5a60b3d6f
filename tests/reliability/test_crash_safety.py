"""kill -9 at random moments, crashes during start-up, and safe mode."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plugin_admin import PluginManager, Settings
from tests.plugin_factory import write_plugin

ROOT = Path(__file__).resolve().parents[2]

CONFIG_LOOP = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from plugin_admin import PluginManager, Settings

    async def main():
        settings = Settings(_env_file=None, plugins_dir=Path(sys.argv[1]), plugin_data_dir=Path(sys.argv[2]))
        manager = PluginManager(settings=settings)
        await manager.initialize()
        if (await manager.get_plugin("counter"))["status"] != "enabled":
            await manager.load_plugin("counter")
        n = 0
        while True:
            n += 1
            await manager.update_plugin_config("counter", {"n": n})
            print(n, flush=True)

    asyncio.run(main())
    """
)

COUNTER_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer", "default": 0}}}


def _settings(tmp_path: Path, **overrides) -> Settings:
    return Settings(
        _env_file=None,
        plugins_dir=tmp_path / "plugins",
        plugin_data_dir=tmp_path / "data",
        **overrides,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kill_9_during_config_saves_keeps_the_last_committed_config(tmp_path, seed):
    write_plugin(tmp_path / "plugins", "counter", manifest={"config_schema": COUNTER_SCHEMA})
    script = tmp_path / "loop.py"
    script.write_text(CONFIG_LOOP)
    stop_after = random.Random(seed).randint(3, 60)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "plugins"), str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    last = 0
    for line in process.stdout:
        last = int(line)
        if last >= stop_after:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert last >= stop_after

    with sqlite3.connect(tmp_path / "data" / "plugin_admin.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    manager = PluginManager(settings=_settings(tmp_path))
    await manager.initialize()
    try:
        details = await manager.get_plugin("counter")
        # The update that was acknowledged is there; at most the one in flight beyond it.
        assert details["config"]["n"] in (last, last + 1)
        assert details["status"] == "enabled"
        result = await manager.run_hook("counter", "echo", {})
        assert result["result"]["config"]["n"] == details["config"]["n"]
    finally:
        await manager.shutdown()


BOMB_INIT = """
import os, signal
if os.path.exists(os.environ["BOMB_FLAG"]):
    os.kill(os.getpid(), signal.SIGKILL)
self.config = config
return True
"""

START = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from plugin_admin import PluginManager, Settings

    async def main():
        settings = Settings(_env_file=None, plugins_dir=Path(sys.argv[1]), plugin_data_dir=Path(sys.argv[2]))
        manager = PluginManager(settings=settings)
        await manager.initialize()
        if sys.argv[3] == "load":
            await manager.load_plugin("bomb")
        await manager.shutdown()

    asyncio.run(main())
    """
)


async def test_crash_during_start_up_makes_the_next_start_safe_mode(tmp_path, monkeypatch):
    flag = tmp_path / "explode"
    monkeypatch.setenv("BOMB_FLAG", str(flag))
    write_plugin(tmp_path / "plugins", "bomb", initialize=BOMB_INIT)
    write_plugin(tmp_path / "plugins", "innocent")
    script = tmp_path / "start.py"
    script.write_text(START)
    args = [sys.executable, str(script), str(tmp_path / "plugins"), str(tmp_path / "data")]
    env = dict(os.environ)
    subprocess.run([*args, "load"], check=True, cwd=ROOT, env=env, capture_output=True, timeout=60)

    flag.touch()  # the plugin now kills the process while it is being re-enabled
    crashed = subprocess.run([*args, "start"], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert crashed.returncode == -signal.SIGKILL

    manager = PluginManager(settings=_settings(tmp_path))
    await manager.initialize()
    try:
        assert manager.safe_mode_reason and "did not finish" in manager.safe_mode_reason
        listed = {p["id"]: p for p in await manager.list_plugins()}
        assert set(listed) == {"bomb", "innocent"}
        assert not listed["bomb"]["loaded"]
        assert manager.audit_log(action="manager_started")[0]["details"]["safe_mode"]
    finally:
        await manager.shutdown()

    flag.unlink()
    manager = PluginManager(settings=_settings(tmp_path))
    await manager.initialize()
    try:
        assert manager.safe_mode_reason is None  # the safe start finished, so this one is normal
        assert (await manager.get_plugin("bomb"))["status"] == "enabled"
    finally:
        await manager.shutdown()


async def test_safe_mode_setting_lists_everything_and_loads_nothing(tmp_path):
    write_plugin(tmp_path / "plugins", "was_on")
    first = PluginManager(settings=_settings(tmp_path))
    await first.initialize()
    await first.load_plugin("was_on")
    await first.shutdown()

    safe = PluginManager(settings=_settings(tmp_path, plugin_safe_mode=True))
    await safe.initialize()
    try:
        assert "PLUGIN_SAFE_MODE" in safe.safe_mode_reason
        [entry] = await safe.list_plugins()
        assert entry["id"] == "was_on" and not entry["loaded"]
    finally:
        await safe.shutdown()

    normal = PluginManager(settings=_settings(tmp_path))
    await normal.initialize()
    try:  # safe mode did not forget what was enabled
        assert (await normal.get_plugin("was_on"))["status"] == "enabled"
    finally:
        await normal.shutdown()


def test_cli_safe_mode_flag(tmp_path):
    write_plugin(tmp_path / "plugins", "listed")
    env = {
        **os.environ,
        "PLUGINS_DIR": str(tmp_path / "plugins"),
        "PLUGIN_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "plugin_admin.cli", "--safe-mode", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == "listed"
    assert "PLUGIN_SAFE_MODE" in result.stderr


INSTALL_LOOP = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from plugin_admin import PluginManager, Settings

    async def main():
        settings = Settings(_env_file=None, plugins_dir=Path(sys.argv[1]), plugin_data_dir=Path(sys.argv[2]))
        manager = PluginManager(settings=settings)
        await manager.initialize()
        version = ["1.0.0", "1.2.0"]
        n = 0
        while True:
            n += 1
            await manager.install_plugin("link_checker", version[n % 2])   # install or update
            print("installed", n, flush=True)
            await manager.grant_permission("link_checker", "write:logs")
            await manager.revoke_permission("link_checker", "write:logs")
            if n % 3 == 0:
                await manager.uninstall_plugin("link_checker", keep_data=False)
                print("uninstalled", n, flush=True)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("seed", [11, 12, 13])
async def test_kill_9_at_random_moments_of_installs_and_updates_leaves_a_whole_plugin(
    tmp_path, seed
):
    script = tmp_path / "install_loop.py"
    script.write_text(INSTALL_LOOP)
    plugins, data = tmp_path / "plugins", tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, str(script), str(plugins), str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    await asyncio.sleep(random.Random(seed).uniform(1.5, 4.0))
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)

    manager = PluginManager(settings=_settings(tmp_path))
    await manager.initialize()
    try:
        staging = plugins.parent / ".plugin-admin-staging"
        assert not staging.exists() or not any(p for p in staging.iterdir() if p.is_dir())
        folders = sorted(p.name for p in plugins.iterdir() if p.is_dir())
        assert folders in ([], ["link_checker"])
        if folders:
            details = await manager.get_plugin("link_checker")
            assert details["status"] != "error", details["last_error"]
            assert details["version"] in ("1.0.0", "1.2.0")
            # the loop was toggling write:logs: either state is a committed one
            assert set(details["permissions"]["missing"]) <= {"write:logs"}
            await manager.set_permissions("link_checker", details["permissions"]["requested"])
            await manager.load_plugin("link_checker")
            example = next(
                s["example"] for s in details["hook_specs"] if s["name"] == "check_links"
            )
            result = await manager.run_hook("link_checker", "check_links", example)
            assert result["result"]["verdict"] in ("safe", "suspicious", "dangerous")
        else:
            assert manager.plugin_ids() == []
    finally:
        await manager.shutdown()
