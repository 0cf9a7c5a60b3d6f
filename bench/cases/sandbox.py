"""Case 2: a sandboxed hook call round trip, against a raw blocking pipe round trip.

* baseline: ``bench/echo_worker.py`` in its own process; the host writes one frame (4-byte
  length + the same JSON a hook call sends) with ``os.write`` and blocks in ``os.read`` for
  the answer: the least a process boundary costs;
* subject: ``manager.execute_plugin_hook`` on a plugin whose manifest says ``sandboxed``
  (a persistent worker process, under bubblewrap when available; the isolation is named in
  the row's note).

Also: the resident memory of one sandbox worker (its whole process tree: bwrap, python).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from plugin_admin import PluginManager

from ..core import Options, Row, Stats, ratio, time_async, time_sync
from ..plugins import HOOK, HOOK_RESULT, bench_settings, write_bench_plugin

NAME = "sandbox"
TARGET = 3.0
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MESSAGE = {"t": "call", "hook": HOOK, "kwargs": {}}


def unavailable() -> str | None:
    if importlib.util.find_spec("plugin_admin.sandbox.worker") is None:
        return "plugin_admin.sandbox.worker is not there yet"
    return None


class EchoPipe:
    """The host end of the raw-pipe baseline."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.echo_worker"],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._w, self._r = self.process.stdin.fileno(), self.process.stdout.fileno()

    def round_trip(self, message: dict[str, Any] = MESSAGE) -> Any:
        payload = json.dumps(message, separators=(",", ":")).encode()
        os.write(self._w, len(payload).to_bytes(4, "big") + payload)
        size = int.from_bytes(self._read(4), "big")
        return json.loads(self._read(size))

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = os.read(self._r, n - len(data))
            if not chunk:
                raise RuntimeError("the echo process went away")
            data += chunk
        return data

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


async def run(opts: Options) -> list[Row]:
    rounds = 10
    per_round = opts.scale(3000, 200) // rounds
    echo = EchoPipe()
    try:
        if echo.round_trip()["value"] != {}:
            raise RuntimeError("the echo process answered something else")
        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
            settings = bench_settings(Path(tmp))
            write_bench_plugin(settings.plugins_dir, "bench_sandboxed", security_level="sandboxed")
            manager = PluginManager(settings=settings)
            await manager.initialize()
            try:
                loaded = await manager.load_plugin("bench_sandboxed")
                if loaded["security_level"] != "sandboxed":
                    raise RuntimeError(f"loaded as {loaded['security_level']}, not sandboxed")
                runner: Any = manager._plugins["bench_sandboxed"].runner
                call = manager.execute_plugin_hook
                if await call("bench_sandboxed", HOOK) != HOOK_RESULT:
                    raise RuntimeError("the sandboxed hook answered something else")
                pipe_samples: list[int] = []
                box_samples: list[int] = []
                for _ in range(rounds):  # interleaved, so both see the same machine load
                    pipe_samples += time_sync(echo.round_trip, per_round, warmup=20)
                    box_samples += await time_async(
                        lambda: call("bench_sandboxed", HOOK), per_round, warmup=20
                    )
                pid = runner.worker_pid
                rss = tree_rss(pid) if pid else None
                isolation = runner.isolation
            finally:
                await manager.shutdown()
    finally:
        echo.close()
    pipe, box = Stats.of(pipe_samples), Stats.of(box_samples)
    box_ratio = ratio(box, pipe)
    rows = [
        pipe.row("2 sandbox: raw pipe round trip (echo process)", note="baseline"),
        box.row(
            "2 sandbox: execute_plugin_hook sandboxed",
            baseline="raw pipe",
            ratio=box_ratio,
            target=f"p50 ≤{TARGET:g}×",
            met=box_ratio <= TARGET,
            note=f"isolation: {isolation}; p99 is {box.p99_us / pipe.p99_us:.1f}× the pipe's p99",
        ),
    ]
    if rss is not None:
        rows.append(
            Row(
                case="4 RSS: one sandbox worker (process tree)",
                p50_us=None,
                p99_us=None,
                ops_per_s=None,
                value=f"{rss / 2**20:.1f} MB",
                note=f"isolation: {isolation}",
                samples=1,
            )
        )
    return rows
