"""Case 3: ``manager.call_hook`` broadcast across N enabled plugins.

The generated plugins run at the default (standard) level: each call hops to the plugin's own
thread and loop, and the broadcast runs them concurrently. The same broadcast over trusted
plugins (inline on the host loop) and a pluggy hook with N implementations are measured in
the same run as references.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from plugin_admin import PluginManager
from plugin_admin.sandbox.inprocess import PluginThread

from ..baselines import pluggy_hook
from ..core import Options, Row, Stats, bare_thread_hop, ratio, time_async, time_sync
from ..plugins import HOOK, HOOK_RESULT, bench_settings, write_many

NAME = "broadcast"
TARGET_MS = 5.0
TARGET_SIZE = 100


async def _manager(workdir: Path, n: int, level: str) -> PluginManager:
    settings = bench_settings(workdir, plugin_security_level="trusted")
    ids = write_many(settings.plugins_dir, n, security_level=level)
    manager = PluginManager(settings=settings)
    await manager.initialize()
    for plugin_id in ids:
        if level == "trusted":
            await manager.set_security_level(plugin_id, "trusted", approve_trusted=True)
        await manager.load_plugin(plugin_id)
    return manager


async def _broadcast_stats(workdir: Path, n: int, level: str, iterations: int) -> Stats:
    manager = await _manager(workdir, n, level)
    try:
        results = await manager.call_hook(HOOK)
        if len(results) != n or not all(r["ok"] and r["result"] == HOOK_RESULT for r in results):
            raise RuntimeError(f"broadcast over {n} {level} plugins answered {results[:2]}…")
        return Stats.of(await time_async(lambda: manager.call_hook(HOOK), iterations, warmup=10))
    finally:
        await manager.shutdown()


async def _trivial() -> dict[str, bool]:
    return HOOK_RESULT


async def _thread_hops_stats(n: int, iterations: int) -> Stats:
    """The standard level's floor: gather one trivial coroutine on each of N plugin threads."""
    threads = [PluginThread(f"bench:hop{i}") for i in range(n)]
    try:
        return Stats.of(
            await time_async(
                lambda: asyncio.gather(*(bare_thread_hop(t.loop, _trivial) for t in threads)),
                iterations,
                warmup=10,
            )
        )
    finally:
        for thread in threads:
            thread.stop()


async def run(opts: Options) -> list[Row]:
    rows = []
    for n in opts.sizes_for(NAME, [10, 100], [10]):
        iterations = opts.scale(max(100, 20_000 // n), 20)
        base = Stats.of(time_sync(pluggy_hook(n), iterations * 10, warmup=100))
        stats = {}
        for level in ("standard", "trusted"):
            with tempfile.TemporaryDirectory(prefix=f"bench-bc-{level}-") as tmp:
                stats[level] = await _broadcast_stats(Path(tmp), n, level, iterations)
        hops = await _thread_hops_stats(n, iterations)
        rows.append(base.row(f"3 broadcast {n}: pluggy, {n} impls", note="baseline"))
        rows.append(hops.row(f"3 broadcast {n}: {n} thread hops floor", note="floor of standard"))
        for level in ("standard", "trusted"):
            targeted = n == TARGET_SIZE
            rows.append(
                stats[level].row(
                    f"3 broadcast {n}: call_hook {level}",
                    baseline=f"pluggy {n}",
                    ratio=ratio(stats[level], base),
                    target=f"≤{TARGET_MS:g} ms" if targeted else "",
                    met=stats[level].p50_us <= TARGET_MS * 1000 if targeted else None,
                    note=f"{stats[level].p50_us / n:.1f} µs per plugin",
                )
            )
        rows.append(
            stats["standard"].row(
                f"3 broadcast {n}: call_hook standard",
                baseline=f"{n} thread hops",
                ratio=ratio(stats["standard"], hops),
            )
        )
    return rows
