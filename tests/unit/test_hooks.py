"""Hook dispatch: arguments, results, time limits, blocking code, broadcast, circuit breaker."""

from __future__ import annotations

import asyncio
import time

import pytest

from plugin_admin import (
    HookArgumentsError,
    HookExecutionError,
    HookNotFoundError,
    HookTimeoutError,
    InvalidInputError,
)

SCHEMA_HOOKS = {
    "greet": {
        "description": "say hello",
        "parameters": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "times": {"type": "integer", "minimum": 1}},
            "required": ["name"],
            "additionalProperties": False,
        },
        "example": {"name": "Ada"},
    },
    "echo": {"description": "echo"},
}


async def test_timed_variant_returns_hook_name_result_and_time(make_plugin, start_manager):
    make_plugin("timed")
    manager = await start_manager()
    await manager.load_plugin("timed")
    answer = await manager.run_hook("timed", "echo", {"a": [1, 2]})
    assert set(answer) == {"hook_name", "result", "execution_time_ms"}
    assert answer["hook_name"] == "echo"
    assert answer["result"]["echo"] == {"a": [1, 2]}
    assert isinstance(answer["execution_time_ms"], float) and answer["execution_time_ms"] > 0


async def test_unknown_hook_lists_the_known_ones(make_plugin, start_manager):
    make_plugin(
        "hooked",
        hook_specs=SCHEMA_HOOKS,
        hooks="async def hook_greet(self, name, times=1):\n    return ('hi ' + name) * times\nasync def hook_echo(self, **kw):\n    return kw",
    )
    manager = await start_manager()
    await manager.load_plugin("hooked")
    with pytest.raises(HookNotFoundError, match=r"no hook 'nope'.*echo, greet"):
        await manager.run_hook("hooked", "nope", {})


async def test_arguments_are_checked_against_the_hook_schema(make_plugin, start_manager):
    make_plugin(
        "hooked",
        hook_specs=SCHEMA_HOOKS,
        hooks="async def hook_greet(self, name, times=1):\n    return ('hi ' + name) * times",
    )
    manager = await start_manager()
    await manager.load_plugin("hooked")
    assert await manager.execute_plugin_hook("hooked", "greet", name="Ada") == "hi Ada"
    with pytest.raises(HookArgumentsError) as caught:
        await manager.run_hook("hooked", "greet", {"name": 3, "times": 0, "extra": 1})
    paths = {e["path"] for e in caught.value.errors}
    assert {"$.name", "$.times"} <= paths
    assert "Additional properties" in caught.value.message


async def test_positional_hook_arguments_are_refused_clearly(make_plugin, start_manager):
    make_plugin("pos")
    manager = await start_manager()
    await manager.load_plugin("pos")
    with pytest.raises(InvalidInputError, match="by name"):
        await manager.execute_plugin_hook("pos", "echo", "positional")


async def test_raising_hook_is_reported_with_type_message_and_traceback(make_plugin, start_manager):
    make_plugin(
        "raiser", hooks="async def hook_echo(self, **kw):\n    raise KeyError('missing-thing')"
    )
    manager = await start_manager()
    await manager.load_plugin("raiser")
    with pytest.raises(HookExecutionError, match="KeyError.*missing-thing") as caught:
        await manager.run_hook("raiser", "echo", {})
    assert "raise KeyError" in caught.value.traceback
    assert (await manager.get_plugin("raiser"))["status"] == "enabled"  # one failure is not fatal


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("return {1, 2}", "not JSON-serialisable"),
        ("return object()", "not JSON-serialisable"),
        ("return float('nan')", "not JSON-serialisable"),
        ("return 'x' * (2 * 1024 * 1024)", "over the 1024 KiB limit"),
    ],
)
async def test_results_must_be_json_and_bounded(make_plugin, start_manager, body, reason):
    make_plugin("weird", hooks=f"async def hook_echo(self, **kw):\n    {body}")
    manager = await start_manager()
    await manager.load_plugin("weird")
    with pytest.raises(HookExecutionError, match=reason):
        await manager.run_hook("weird", "echo", {})


async def test_awaiting_hook_past_the_limit_times_out(make_plugin, start_manager):
    make_plugin("sleepy", hooks="async def hook_echo(self, **kw):\n    await asyncio.sleep(30)")
    manager = await start_manager(plugin_max_execution_time=0.3)
    await manager.load_plugin("sleepy")
    started = time.monotonic()
    with pytest.raises(HookTimeoutError, match="did not finish within 0.3 s"):
        await manager.run_hook("sleepy", "echo", {})
    assert time.monotonic() - started < 3


async def test_blocking_hook_does_not_freeze_the_event_loop(make_plugin, start_manager):
    make_plugin(
        "spinner",
        hooks="async def hook_echo(self, **kw):\n    end = time.time() + 1.5\n    while time.time() < end:\n        pass\n    return 'done'",
    )
    make_plugin("bystander")
    manager = await start_manager(plugin_max_execution_time=0.5)
    await manager.load_plugin("spinner")
    await manager.load_plugin("bystander")

    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    spin = asyncio.create_task(manager.run_hook("spinner", "echo", {}))
    await asyncio.sleep(0.1)
    # While the spinner burns its thread, another plugin still answers.
    assert (await manager.run_hook("bystander", "echo", {"ok": 1}))["result"]["echo"] == {"ok": 1}
    with pytest.raises(HookTimeoutError):
        await spin
    beat.cancel()
    assert ticks >= 5  # the loop kept running during the busy loop


async def test_broadcast_runs_in_priority_order_and_isolates_failures(make_plugin, start_manager):
    make_plugin("late", manifest={"priority": 200})
    make_plugin("early", manifest={"priority": 10})
    make_plugin("broken", hooks="async def hook_echo(self, **kw):\n    raise RuntimeError('kaput')")
    make_plugin("slow", hooks="async def hook_echo(self, **kw):\n    await asyncio.sleep(30)")
    make_plugin("no_echo", hook_specs={"other": {"description": "x"}})
    manager = await start_manager(plugin_max_execution_time=0.3)
    for plugin_id in ("late", "early", "broken", "slow", "no_echo"):
        await manager.load_plugin(plugin_id)
    results = await manager.call_hook("echo", value=1)
    assert [r["plugin_id"] for r in results] == ["early", "broken", "slow", "late"]
    by_id = {r["plugin_id"]: r for r in results}
    assert by_id["early"]["ok"] and by_id["early"]["result"]["echo"] == {"value": 1}
    assert not by_id["broken"]["ok"] and "kaput" in by_id["broken"]["error"]
    assert by_id["slow"]["error_type"] == "HookTimeoutError"
    assert by_id["late"]["ok"]


async def test_repeated_failures_open_the_circuit_and_disable_the_plugin(
    make_plugin, start_manager
):
    make_plugin("crashy", hooks="async def hook_echo(self, **kw):\n    raise RuntimeError('again')")
    manager = await start_manager(plugin_failure_threshold=3)
    await manager.load_plugin("crashy")
    for _ in range(3):
        with pytest.raises(HookExecutionError):
            await manager.run_hook("crashy", "echo", {})
    details = await manager.get_plugin("crashy")
    assert details["status"] == "error"
    assert "3 failed hook calls in a row" in details["last_error"]
    assert manager.audit_log(plugin_id="crashy", action="circuit_open")
    # an admin re-enables it
    assert (await manager.load_plugin("crashy"))["status"] == "loaded"


async def test_a_success_resets_the_failure_count(make_plugin, start_manager):
    make_plugin(
        "sometimes",
        hooks="async def hook_echo(self, fail=False):\n    if fail:\n        raise RuntimeError('x')\n    return 1",
    )
    manager = await start_manager(plugin_failure_threshold=2)
    await manager.load_plugin("sometimes")
    for _ in range(3):
        with pytest.raises(HookExecutionError):
            await manager.run_hook("sometimes", "echo", {"fail": True})
        if (await manager.get_plugin("sometimes"))["status"] == "error":
            break
        await manager.run_hook("sometimes", "echo", {})
    assert (await manager.get_plugin("sometimes"))["status"] == "enabled"


async def test_hook_calls_are_audited_in_batches(make_plugin, start_manager):
    make_plugin("counted")
    manager = await start_manager()
    await manager.load_plugin("counted")
    for _ in range(5):
        await manager.run_hook("counted", "echo", {}, actor="bob")
    calls = manager.audit_log(plugin_id="counted", action="hook_call")
    assert len(calls) == 5
    assert calls[0]["actor"] == "bob" and calls[0]["details"]["hook"] == "echo"


async def test_console_call_captures_what_the_plugin_logged(make_plugin, start_manager):
    make_plugin(
        "chatty",
        permissions=["write:logs"],
        hooks="async def hook_echo(self, **kw):\n    self.context.log('info', 'looking at ' + str(kw))\n    return 'ok'",
    )
    manager = await start_manager()
    await manager.load_plugin("chatty")
    outcome = await manager.console_call("chatty", "echo", {"n": 1})
    assert outcome["ok"] and outcome["result"] == "ok"
    assert any("looking at {'n': 1}" in line for line in outcome["logs"])
    log_file = manager.settings.plugin_data_dir / "chatty" / "logs" / "plugin.log"
    assert "looking at" in log_file.read_text()


async def test_saved_test_cases_rerun_with_pass_and_fail(make_plugin, start_manager):
    make_plugin("tested")
    manager = await start_manager()
    await manager.load_plugin("tested")
    good = await manager.run_hook("tested", "echo", {"x": 1})
    await manager.save_test_case("tested", "passes", "echo", {"x": 1}, good["result"])
    await manager.save_test_case("tested", "fails", "echo", {"x": 2}, {"something": "else"})
    results = {r["name"]: r["passed"] for r in await manager.run_test_cases("tested")}
    assert results == {"passes": True, "fails": False}
