"""The data directory full, read-only or locked: clear errors, nothing corrupted or lost."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from plugin_admin.errors import StorageError
from plugin_admin.store import PluginRow, Store
from tests.plugin_factory import write_plugin

ROOT = Path(__file__).resolve().parents[2]

needs_mount = pytest.mark.skipif(
    shutil.which("unshare") is None, reason="util-linux unshare is part of every Debian base image"
)

# Runs inside a private mount namespace with PLUGIN_DATA_DIR on a tiny tmpfs.
SCRIPT = textwrap.dedent(
    """
    import asyncio, json, subprocess, sys
    from pathlib import Path
    from plugin_admin import PluginManager, Settings, StorageError

    plugins, data, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    report = {}

    async def main():
        settings = Settings(_env_file=None, plugins_dir=plugins, plugin_data_dir=data)
        manager = PluginManager(settings=settings)
        await manager.initialize()
        await manager.load_plugin("victim")
        await manager.update_plugin_config("victim", {"note": "committed"})
        if mode == "full":
            with open(data / "ballast", "wb") as handle:
                try:
                    while True:
                        handle.write(b"x" * 65536)
                        handle.flush()
                except OSError:
                    pass
        else:
            # Linux cannot remount read-only under an open database: restart onto it instead.
            await manager.shutdown()
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
            try:
                await PluginManager(settings=settings).initialize()
                report["error"] = None
            except StorageError as exc:
                report["error"] = exc.message
            return
        try:
            await manager.update_plugin_config("victim", {"note": "lost" * 20000})
            report["error"] = None
        except StorageError as exc:
            report["error"] = exc.message
        report["running_config"] = (await manager.run_hook("victim", "echo", {}))["result"]["config"]
        try:
            await manager.shutdown()
        except StorageError:
            pass

    asyncio.run(main())
    print(json.dumps(report))
    """
)


@needs_mount
@pytest.mark.parametrize(("mode", "hint"), [("full", "full"), ("readonly", "read-only")])
def test_full_or_read_only_data_dir_gives_a_clear_error_and_keeps_the_last_config(
    tmp_path, mode, hint
):
    plugins = tmp_path / "plugins"
    write_plugin(
        plugins,
        "victim",
        manifest={"config_schema": {"type": "object", "properties": {"note": {"type": "string"}}}},
    )
    data = tmp_path / "data"
    data.mkdir()
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    command = (
        f"mount -t tmpfs -o size=1m tmpfs {data} && "
        f"{sys.executable} {script} {plugins} {data} {mode}; "
        f"cp -a {data}/. {tmp_path}/copy/"
    )
    (tmp_path / "copy").mkdir()
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["error"] and hint in report["error"], report
    if mode == "full":
        assert report["running_config"] == {"note": "committed"}  # the plugin kept the old config
    assert "PLUGIN_DATA_DIR" in report["error"]
    database = tmp_path / "copy" / "plugin_admin.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = json.loads(
            db.execute("SELECT config FROM plugins WHERE plugin_id='victim'").fetchone()[0]
        )
    assert stored == {"note": "committed"}


def _hold_write_lock(path: Path, seconds: float, ready: threading.Event) -> None:
    script = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "db.execute('COMMIT')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    process.stdout.readline()
    ready.set()
    process.wait(timeout=30)


def test_sqlite_busy_from_another_process_waits_then_succeeds(tmp_path):
    store = Store(tmp_path / "state.sqlite3", busy_timeout=5)
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 0.5, ready))
    holder.start()
    ready.wait(10)
    started = time.monotonic()
    store.upsert_plugin(PluginRow(plugin_id="waited", status="installed"))
    assert time.monotonic() - started >= 0.2
    holder.join()
    assert store.get_plugin("waited").status == "installed"


def test_sqlite_locked_too_long_is_a_clear_storage_error(tmp_path):
    store = Store(tmp_path / "state.sqlite3", busy_timeout=0.2)
    store.upsert_plugin(PluginRow(plugin_id="before", status="installed"))
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 2, ready))
    holder.start()
    ready.wait(10)
    with pytest.raises(StorageError, match="another process holds the database lock"):
        store.upsert_plugin(PluginRow(plugin_id="blocked", status="installed"))
    holder.join()
    assert store.get_plugin("before") is not None
    assert store.get_plugin("blocked") is None
