"""The list of cases and how one is run: each in a fresh event loop, failures become rows.

A case module has ``NAME``, ``run(opts) -> list[Row]`` (sync or async) and, when it depends on a
feature that may be missing, ``unavailable() -> str | None`` saying why it cannot run.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import os
import platform
import subprocess
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .core import Options, Row

CASES: dict[str, str] = {
    "hook_call": "bench.cases.hook_call",
    "sandbox": "bench.cases.sandbox",
    "broadcast": "bench.cases.broadcast",
    "startup": "bench.cases.startup",
    "marketplace": "bench.cases.marketplace",
    "install": "bench.cases.install",
    "rest": "bench.cases.rest",
}


def run_case(name: str, opts: Options) -> list[Row]:
    """Run one case; a missing feature or a crash is reported as a row, never raised."""
    try:
        module = importlib.import_module(CASES[name])
        why_not = getattr(module, "unavailable", lambda: None)()
        if why_not:
            return [Row(case=f"{name}: not run", p50_us=None, p99_us=None, ops_per_s=None,
                        note=f"unavailable: {why_not}", group=name)]  # fmt: skip
        gc.collect()
        result = module.run(opts)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        rows = list(result)
        for row in rows:
            row.group = name
        return rows
    except Exception as exc:
        detail = traceback.format_exception_only(exc)[-1].strip()
        return [
            Row(
                case=f"{name}: failed",
                p50_us=None,
                p99_us=None,
                ops_per_s=None,
                note=f"FAILED: {detail}",
                group=name,
            )
        ]


def run_cases(
    names: list[str], opts: Options, progress: Callable[[str], Any] = lambda _: None
) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        progress(f"[bench] {name} …")
        rows += run_case(name, opts)
        progress(f"[bench] {name} done in {time.perf_counter() - started:.1f} s")
    return rows


def machine() -> dict[str, Any]:
    """What the numbers were measured on (the README's machine line)."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": commit,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
