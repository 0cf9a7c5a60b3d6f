"""Case 1: one in-process hook call through the manager, against its floors.

Subjects, measured in interleaved rounds on the same event loop:

* ``pluggy``: a bare pluggy hook call with one implementation (the target's yardstick);
* ``direct``: ``await plugin.execute_hook("ping")`` on the loaded instance (no manager);
* ``trusted``: ``manager.execute_plugin_hook`` for a trusted plugin (InlineRunner, host loop);
* ``standard``: the same for a standard plugin (ThreadRunner: its own thread and loop);
* ``thread hop``: one wake-up to another thread's loop and one back (a trivial coroutine),
  the floor of the standard level (``bench.core.bare_thread_hop``).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from plugin_admin import PluginManager
from plugin_admin.sandbox.inprocess import PluginThread

from ..baselines import pluggy_hook
from ..core import Options, Row, Stats, bare_thread_hop, ratio, time_async, time_sync
from ..plugins import HOOK, HOOK_RESULT, bench_settings, write_bench_plugin

NAME = "hook_call"
TARGET = 10.0


async def _trivial() -> dict[str, bool]:
    return HOOK_RESULT


async def loaded_manager(workdir: Path) -> PluginManager:
    """A manager with ``bench_standard`` (standard) and ``bench_trusted`` (trusted) enabled."""
    # The operator minimum must allow trusted (PLUGIN_SECURITY_LEVEL=trusted); each plugin's
    # level is then the strictest of its manifest and the admin's approval.
    settings = bench_settings(workdir, plugin_security_level="trusted")
    write_bench_plugin(settings.plugins_dir, "bench_standard")
    write_bench_plugin(settings.plugins_dir, "bench_trusted", security_level="trusted")
    manager = PluginManager(settings=settings)
    await manager.initialize()
    await manager.set_security_level("bench_trusted", "trusted", approve_trusted=True)
    await manager.load_plugin("bench_standard")
    loaded = await manager.load_plugin("bench_trusted")
    if loaded["security_level"] != "trusted":
        raise RuntimeError(f"bench_trusted loaded as {loaded['security_level']}, not trusted")
    return manager


async def run(opts: Options) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as tmp:
        manager = await loaded_manager(Path(tmp))
        thread = PluginThread("bench:hop")
        try:
            return await _measure(manager, thread, opts)
        finally:
            thread.stop()
            await manager.shutdown()


async def _measure(manager: PluginManager, thread: PluginThread, opts: Options) -> list[Row]:
    hook = pluggy_hook()
    instance = manager._plugins["bench_trusted"].runner.instance  # type: ignore[union-attr]
    execute = manager.execute_plugin_hook

    async def direct() -> Any:
        return await instance.execute_hook(HOOK)

    async def trusted() -> Any:
        return await execute("bench_trusted", HOOK)

    async def standard() -> Any:
        return await execute("bench_standard", HOOK)

    async def hop() -> Any:
        return await bare_thread_hop(thread.loop, _trivial)

    for check in (trusted, standard, direct):
        result = await check()
        if result != HOOK_RESULT:
            raise RuntimeError(f"{check.__name__} returned {result!r}, not {HOOK_RESULT!r}")

    rounds = 20
    fast = opts.scale(100_000, 2_000) // rounds
    slow = opts.scale(10_000, 300) // rounds
    samples: dict[str, list[int]] = {k: [] for k in ("pluggy", "direct", "trusted", "std", "hop")}
    for _ in range(rounds):
        samples["pluggy"] += time_sync(hook, fast, warmup=50)
        samples["direct"] += await time_async(direct, fast, warmup=50)
        samples["trusted"] += await time_async(trusted, fast, warmup=50)
        samples["std"] += await time_async(standard, slow, warmup=20)
        samples["hop"] += await time_async(hop, slow, warmup=20)
    stats = {k: Stats.of(v) for k, v in samples.items()}
    base = stats["pluggy"]
    trusted_ratio = ratio(stats["trusted"], base)
    std_ratio = ratio(stats["std"], base)
    overhead_trusted = (stats["trusted"].p50_us - stats["direct"].p50_us) / base.p50_us
    return [
        base.row("1 hook: pluggy call, 1 impl", note="baseline"),
        stats["direct"].row(
            "1 hook: plugin.execute_hook direct",
            baseline="pluggy",
            ratio=ratio(stats["direct"], base),
        ),
        stats["trusted"].row(
            "1 hook: execute_plugin_hook trusted",
            baseline="pluggy",
            ratio=trusted_ratio,
            target=f"≤{TARGET:g}×",
            met=trusted_ratio <= TARGET,
            note=f"manager overhead over a direct call = {overhead_trusted:.1f}× pluggy",
        ),
        stats["std"].row(
            "1 hook: execute_plugin_hook standard",
            baseline="pluggy",
            ratio=std_ratio,
            target=f"≤{TARGET:g}×",
            met=std_ratio <= TARGET,
            note="own thread + loop per plugin: bounded below by the thread hop",
        ),
        stats["hop"].row("1 hook: thread hop floor (trivial coro)", note="floor of standard"),
        stats["std"].row(
            "1 hook: execute_plugin_hook standard",
            baseline="thread hop",
            ratio=ratio(stats["std"], stats["hop"]),
        ),
    ]


def main() -> None:  # pragma: no cover - handy for profiling: python -m bench.cases.hook_call
    print(asyncio.run(run(Options(quick=True))))
