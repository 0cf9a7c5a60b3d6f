"""A worker that hangs, crashes or breaks the protocol is killed and restarted; the manager
answers every call with a clear error and never hangs."""

from __future__ import annotations

import asyncio
import time

import pytest

from plugin_admin import HookExecutionError, HookTimeoutError, PluginManager, PluginStatus
from plugin_admin.sandbox.isolation import plugin_uid
from tests.sandbox.conftest import call, processes_of_uid
from tests.sandbox.escape_plugin import write_escape_plugin


async def test_busy_loop_is_killed_on_time_and_the_worker_restarts(
    plugins_dir, start_manager
) -> None:
    write_escape_plugin(plugins_dir)
    manager = await start_manager(plugin_max_execution_time=1)
    await manager.load_plugin("escaper")
    runner = manager._plugins["escaper"].runner
    first_pid = runner.worker_pid
    started = time.monotonic()
    with pytest.raises(HookTimeoutError, match="did not finish within 1 s"):
        await call(manager, "spin")
    assert time.monotonic() - started < 2.5
    assert runner.worker_pid is None  # killed, not left spinning
    assert (await call(manager, "ping"))["uid"] == plugin_uid("escaper")
    assert runner.worker_pid not in (None, first_pid)
    assert runner.restarts == 1


async def test_exit_and_segfault_are_reported_and_restarted(escaper: PluginManager) -> None:
    with pytest.raises(HookExecutionError, match="exited with code 3"):
        await call(escaper, "exit")
    assert (await call(escaper, "ping"))["pid"] == 2
    with pytest.raises(HookExecutionError, match="SIGSEGV"):
        await call(escaper, "segfault")
    assert (await call(escaper, "ping"))["pid"] == 2
    assert escaper._plugins["escaper"].runner.restarts == 2
    assert (await escaper.get_plugin("escaper"))["status"] == "enabled"
    failures = escaper.audit_log(plugin_id="escaper", action="worker_failed")
    assert [e["details"]["reason"] for e in reversed(failures)] == [
        "the worker exited with code 3",
        "the worker was killed by SIGSEGV (exit code 139)",
    ]
    assert len(escaper.audit_log(plugin_id="escaper", action="worker_restart")) == 2


async def test_junk_on_stdout_and_stderr_does_not_touch_the_protocol(
    escaper: PluginManager,
) -> None:
    assert await call(escaper, "junk") == {"still": "fine"}
    assert (await call(escaper, "ping"))["pid"] == 2
    assert escaper._plugins["escaper"].runner.restarts == 0
    await asyncio.sleep(0.1)  # output is drained asynchronously
    log = "\n".join(escaper.plugin_log_tail("escaper", 50))
    assert "[worker output] junk line" in log
    assert "more junk" in log


@pytest.mark.parametrize("kind", ["oversized", "malformed"])
async def test_a_bad_frame_kills_the_worker(escaper: PluginManager, kind: str) -> None:
    started = time.monotonic()
    with pytest.raises(HookExecutionError, match="bad frame"):
        await call(escaper, "bad_frame", kind=kind)
    assert time.monotonic() - started < 1.5  # not the 30 s the plugin wanted to sleep
    assert (await call(escaper, "ping"))["pid"] == 2
    assert escaper._plugins["escaper"].runner.restarts == 1


async def test_no_orphaned_grandchildren_survive_a_kill(plugins_dir, start_manager) -> None:
    write_escape_plugin(plugins_dir)
    manager = await start_manager(plugin_max_execution_time=1)
    await manager.load_plugin("escaper")
    uid = plugin_uid("escaper")
    with pytest.raises(HookTimeoutError):
        await call(manager, "orphans", n=3)
    deadline = time.monotonic() + 3
    while processes_of_uid(uid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert processes_of_uid(uid) == []
    await manager.unload_plugin("escaper")
    assert processes_of_uid(uid) == []


async def test_repeated_worker_failures_disable_the_plugin(plugins_dir, start_manager) -> None:
    write_escape_plugin(plugins_dir)
    manager = await start_manager(plugin_failure_threshold=3)
    await manager.load_plugin("escaper")
    for _ in range(2):
        with pytest.raises(HookExecutionError):
            await call(manager, "exit")
        await call(manager, "ping")  # a success in between: not "in a row"
    with pytest.raises(HookExecutionError):
        await call(manager, "exit")
    details = await manager.get_plugin("escaper")
    assert details["status"] == PluginStatus.ERROR.value
    assert "failed 3 times within 10 minutes" in details["last_error"]
    assert manager.audit_log(plugin_id="escaper", action="circuit_open")


async def test_a_crashing_worker_backs_off_instead_of_looping(escaper: PluginManager) -> None:
    runner = escaper._plugins["escaper"].runner
    for _ in range(2):
        with pytest.raises(HookExecutionError):
            await runner.call("exit", {}, 2)
    started = time.monotonic()
    with pytest.raises(HookExecutionError, match="next restart in"):
        await runner.call("ping", {}, 2)
    assert time.monotonic() - started < 0.1  # refused at once, no restart storm


HOST_SCRIPT = """
import asyncio, sys
from pathlib import Path
from plugin_admin import PluginManager
from tests.conftest import make_settings
from tests.sandbox.escape_plugin import write_escape_plugin

async def main():
    settings = make_settings(Path(sys.argv[1]))
    write_escape_plugin(settings.plugins_dir, plugin_id="orphaned")
    manager = PluginManager(settings=settings)
    await manager.initialize()
    await manager.load_plugin("orphaned")
    print("READY", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_workers_die_with_a_killed_manager(tmp_path) -> None:
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    host = subprocess.Popen(
        [sys.executable, "-c", HOST_SCRIPT, str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert host.stdout is not None
        assert await asyncio.to_thread(host.stdout.readline) == "READY\n"
        uid = plugin_uid("orphaned")
        assert processes_of_uid(uid)
        host.kill()  # SIGKILL: no shutdown code runs
        host.wait()
        deadline = time.monotonic() + 3
        while processes_of_uid(uid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert processes_of_uid(uid) == []
    finally:
        host.kill()
        host.wait()
        host.stdout.close()
