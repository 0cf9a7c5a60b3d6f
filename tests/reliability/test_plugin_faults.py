"""Plugins that misbehave in process: the manager stays up and says what happened."""

from __future__ import annotations

import asyncio

import pytest

from plugin_admin import HookTimeoutError, PluginStatus


async def test_initialize_that_hangs_times_out_and_the_manager_stays_responsive(
    make_plugin, start_manager
):
    make_plugin("hangs", initialize="end = time.time() + 2\nwhile time.time() < end:\n    pass")
    make_plugin("fine")
    manager = await start_manager(plugin_timeout_seconds=0.5)
    with pytest.raises(HookTimeoutError, match="initialize did not finish within 0.5 s"):
        await manager.load_plugin("hangs")
    assert (await manager.get_plugin("hangs"))["status"] == PluginStatus.ERROR.value
    assert (await manager.load_plugin("fine"))["status"] == "loaded"


async def test_shutdown_that_raises_still_unloads(make_plugin, start_manager):
    make_plugin("grumpy", shutdown="raise RuntimeError('will not go')")
    manager = await start_manager()
    await manager.load_plugin("grumpy")
    assert (await manager.unload_plugin("grumpy"))["status"] == "unloaded"
    details = await manager.get_plugin("grumpy")
    assert details["status"] == "disabled" and not details["loaded"]
    assert manager.audit_log(plugin_id="grumpy", action="shutdown", outcome="error")


async def test_shutdown_that_hangs_does_not_block_manager_shutdown(make_plugin, start_manager):
    make_plugin("clingy", shutdown="await asyncio.sleep(3600)")
    manager = await start_manager(plugin_timeout_seconds=0.3)
    await manager.load_plugin("clingy")
    await asyncio.wait_for(manager.unload_plugin("clingy"), timeout=5)


async def test_a_plugin_that_floods_its_log_is_capped_on_disk(make_plugin, start_manager):
    make_plugin(
        "flooder",
        permissions=["write:logs"],
        hooks="async def hook_echo(self, **kw):\n    for i in range(4000):\n        self.context.log('info', 'x' * 4000)\n    return 'done'",
    )
    manager = await start_manager(plugin_max_execution_time=60)
    await manager.load_plugin("flooder")
    assert (await manager.run_hook("flooder", "echo", {}))["result"] == "done"
    logs = manager.settings.plugin_data_dir / "flooder" / "logs"
    total = sum(f.stat().st_size for f in logs.iterdir())
    assert total < 12 * 1024 * 1024  # 16 MB written, at most two 5 MB files kept
    assert len(manager.plugin_log_tail("flooder", 1000)) == 500  # the in-memory tail is bounded


async def test_a_hook_that_kills_its_own_thread_loop_is_reported(make_plugin, start_manager):
    make_plugin(
        "saboteur",
        hooks="async def hook_echo(self, **kw):\n    asyncio.get_running_loop().stop()\n    await asyncio.sleep(10)",
    )
    manager = await start_manager(plugin_max_execution_time=0.5)
    await manager.load_plugin("saboteur")
    with pytest.raises(HookTimeoutError):
        await manager.run_hook("saboteur", "echo", {})
    assert (await manager.list_plugins())[0]["status"] == "enabled"
    # its thread's loop was restarted, so the plugin still answers (and times out again)
    with pytest.raises(HookTimeoutError):
        await manager.run_hook("saboteur", "echo", {})
