"""Timing, result rows and the output table shared by every bench case.

Timings on a shared 2-core VM are noisy, so each case measures its subject and its baseline
side by side in the same run (interleaved rounds where it matters) and the figure that counts
is the ratio. Times are taken with ``time.perf_counter_ns`` around each operation; the cost of
the timer itself is measured once and subtracted, so sub-microsecond baselines stay honest.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Options:
    """What the user asked for on the command line (see ``bench/__main__.py``)."""

    quick: bool = False
    repeat: int = 1
    sizes: dict[str, list[int]] = field(default_factory=dict)

    def scale(self, full: int, quick: int) -> int:
        """An iteration count: ``full`` normally, ``quick`` in quick mode, times --repeat."""
        return (quick if self.quick else full) * max(1, self.repeat)

    def sizes_for(self, case: str, full: list[int], quick: list[int]) -> list[int]:
        return self.sizes.get(case) or (quick if self.quick else full)


@dataclass
class Row:
    """One line of the table. Times are in microseconds; ``ratio`` is p50 / baseline p50
    unless ``note`` says otherwise; ``met`` is None when the row has no target."""

    case: str
    p50_us: float | None
    p99_us: float | None
    ops_per_s: float | None
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    samples: int = 0
    value: str = ""  # shown instead of p50 for rows that measure something else (RSS)
    group: str = ""  # the case (bench/registry.py name) that produced the row

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Stats:
    """Summary of a list of per-operation durations (nanoseconds)."""

    p50_us: float
    p99_us: float
    mean_us: float
    samples: int

    @property
    def ops_per_s(self) -> float:
        return 1e6 / self.mean_us if self.mean_us > 0 else float("inf")

    @classmethod
    def of(cls, durations_ns: list[int]) -> Stats:
        if not durations_ns:
            raise ValueError("no samples were taken")
        ordered = sorted(durations_ns)
        return cls(
            p50_us=percentile(ordered, 50) / 1000,
            p99_us=percentile(ordered, 99) / 1000,
            mean_us=statistics.fmean(ordered) / 1000,
            samples=len(ordered),
        )

    def row(self, case: str, **extra: Any) -> Row:
        return Row(
            case=case,
            p50_us=self.p50_us,
            p99_us=self.p99_us,
            ops_per_s=self.ops_per_s,
            samples=self.samples,
            **extra,
        )


def percentile(ordered: list[int] | list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return float(ordered[index])


def _timer_overhead_ns() -> int:
    """The median cost of one ``perf_counter_ns`` pair, subtracted from every sample."""
    clock = time.perf_counter_ns
    costs = []
    for _ in range(20_000):
        start = clock()
        costs.append(clock() - start)
    return int(statistics.median(costs))


TIMER_OVERHEAD_NS = _timer_overhead_ns()


def time_sync(fn: Callable[[], Any], iterations: int, *, warmup: int = 0) -> list[int]:
    """Per-call durations (ns) of ``fn()``."""
    for _ in range(warmup):
        fn()
    clock, overhead = time.perf_counter_ns, TIMER_OVERHEAD_NS
    out = []
    append = out.append
    for _ in range(iterations):
        start = clock()
        fn()
        append(max(0, clock() - start - overhead))
    return out


async def time_async(
    fn: Callable[[], Awaitable[Any]], iterations: int, *, warmup: int = 0
) -> list[int]:
    """Per-call durations (ns) of ``await fn()``."""
    for _ in range(warmup):
        await fn()
    clock, overhead = time.perf_counter_ns, TIMER_OVERHEAD_NS
    out = []
    append = out.append
    for _ in range(iterations):
        start = clock()
        await fn()
        append(max(0, clock() - start - overhead))
    return out


def ratio(subject: Stats | float, baseline: Stats | float) -> float:
    a = subject.p50_us if isinstance(subject, Stats) else subject
    b = baseline.p50_us if isinstance(baseline, Stats) else baseline
    return a / b if b > 0 else float("inf")


# ------------------------------------------------------------------------------ output
COLUMNS = ("case", "p50", "p99", "ops/s", "baseline", "ratio", "target")


def format_time(us: float | None) -> str:
    if us is None:
        return "-"
    if us < 1:
        return f"{us * 1000:.0f} ns"
    if us < 1000:
        return f"{us:.1f} µs" if us < 100 else f"{us:.0f} µs"
    if us < 1_000_000:
        return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"
    return f"{us / 1e6:.2f} s"


def format_ops(ops: float | None) -> str:
    if ops is None:
        return "-"
    if ops >= 1e6:
        return f"{ops / 1e6:.2f}M"
    if ops >= 1e4:
        return f"{ops / 1e3:.0f}k"
    return f"{ops:.1f}" if ops < 100 else f"{ops:.0f}"


def format_target(row: Row) -> str:
    if not row.target:
        return ""
    mark = {True: "met", False: "MISSED", None: ""}[row.met]
    return f"{row.target} {mark}".strip()


def cells(row: Row) -> list[str]:
    return [
        row.case,
        row.value or format_time(row.p50_us),
        format_time(row.p99_us),
        format_ops(row.ops_per_s),
        row.baseline or "-",
        "-" if row.ratio is None else f"{row.ratio:.2f}×",
        format_target(row),
    ]


def render_table(rows: list[Row], *, markdown: bool = False) -> str:
    """A fixed-width table for the terminal, or a Markdown table for the README."""
    body = [cells(row) for row in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(COLUMNS)]
    sep = "-+-".join("-" * w for w in widths)
    lines = [" | ".join(h.ljust(w) for h, w in zip(COLUMNS, widths, strict=True)), sep]
    for line in body:
        lines.append(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    return "\n".join(lines)


def write_json(path: Path, rows: list[Row], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "rows": [row.to_dict() for row in rows]}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


async def bare_thread_hop(loop: asyncio.AbstractEventLoop, make: Callable[[], Any]) -> Any:
    """The floor of the standard level: one wake-up to a thread's loop and one back, running
    a coroutine that finishes without waiting (no timeout, no task, no error handling)."""
    host = asyncio.get_running_loop()
    answer = host.create_future()

    def on_thread() -> None:
        try:
            make().send(None)
        except StopIteration as done:
            host.call_soon_threadsafe(answer.set_result, done.value)

    loop.call_soon_threadsafe(on_thread)
    return await answer
