"""A sandboxed plugin cannot make the root host exhaust itself or leave workers behind."""

from __future__ import annotations

import os

import pytest

from plugin_admin import HookExecutionError, InvalidInputError, InvalidPluginIdError
from plugin_admin.sandbox import isolation
from tests.sandbox.conftest import call, processes_of_uid

FLOOD_HOOKS = """
async def hook_flood(self, n=40):
    from plugin_admin.sandbox.protocol import encode
    channel = sys.modules["__main__"].channel
    with open("/data/big", "wb") as handle:
        handle.write(b"x" * 1_000_000)
    os.write(channel.write_fd, encode({"t": "ctx", "m": "read_data", "a": {"name": "big"}}) * n)
    time.sleep(5)  # never read the replies
    return "survived"

async def hook_echo(self, **kwargs):
    return kwargs
"""
SPECS = {"flood": {}, "echo": {}}


@pytest.fixture
async def sandboxed(make_plugin, start_manager):
    make_plugin(
        "flooder",
        hooks=FLOOD_HOOKS,
        hook_specs=SPECS,
        permissions=["storage"],
        manifest={"security_level": "sandboxed"},
    )
    manager = await start_manager(plugin_max_execution_time=10)
    await manager.load_plugin("flooder")
    return manager


async def test_a_flood_of_context_calls_kills_the_worker_not_the_host(sandboxed):
    with pytest.raises(HookExecutionError, match="flooded the host with context calls"):
        await sandboxed.run_hook("flooder", "flood", {"n": 40})
    # the next call gets a fresh worker
    assert (await sandboxed.run_hook("flooder", "echo", {"a": 1}))["result"] == {"a": 1}


async def test_non_json_numbers_are_refused_as_bad_input(sandboxed):
    with pytest.raises(InvalidInputError, match="not strict JSON"):
        await sandboxed.run_hook("flooder", "echo", {"x": float("nan")})
    assert (await sandboxed.run_hook("flooder", "echo", {"x": 1.5}))["result"] == {"x": 1.5}


async def test_a_failed_start_leaves_no_worker_behind(sandboxed):
    uid = isolation.plugin_uid("flooder")
    await sandboxed.unload_plugin("flooder")
    assert processes_of_uid(uid) == []
    for _ in range(2):
        with pytest.raises(InvalidInputError):
            await sandboxed.load_plugin("flooder", config={"x": float("inf")})
    assert processes_of_uid(uid) == []
    with pytest.raises(InvalidPluginIdError):
        await sandboxed.load_plugin("../flooder")


async def test_workers_still_work_when_the_host_has_many_descriptors_open(sandboxed):
    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(1100)]
    try:
        await sandboxed.reload_plugin("flooder")  # its pipes are now past FD_SETSIZE
        assert (await sandboxed.run_hook("flooder", "echo", {"ok": True}))["result"] == {"ok": True}
    finally:
        for fd in held:
            os.close(fd)


async def test_data_files_the_host_writes_belong_to_the_plugin(escaper):
    assert await call(escaper, "context_write", name="state.json", text="{}")
    files = escaper.settings.plugin_data_path("escaper") / "files"
    owner = isolation.plugin_uid("escaper")
    assert (files / "state.json").stat().st_uid == owner
    assert files.stat().st_uid == owner
