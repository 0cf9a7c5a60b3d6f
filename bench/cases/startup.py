"""Case 4: start-up with N generated plugins, and memory (RSS).

Every measurement runs in a fresh Python process (``bench/cases/startup_child.py``) so the
numbers are not coloured by the bench's own imports. Rows:

* first start: ``initialize()`` discovers N new folders (each is registered and audited);
* load all: ``load_plugin`` for each of them (standard level: a thread and loop each);
* restart: ``initialize()`` when all N were enabled before (discover + re-enable them all):
  this is the start-up an operator waits for, and the one the target is about;
* floor: importing the N packages and parsing their plugin.json with no manager at all;
* RSS of the manager process with N loaded, against an initialised manager with none.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..core import Options, Row
from ..plugins import write_many

NAME = "startup"
TARGET_S = 2.0
TARGET_SIZE = 500
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def child(mode: str, workdir: Path, timeout: float = 600) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON answer."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cases.startup_child", mode, str(workdir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"startup child {mode!r} failed: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


def _timed_row(case: str, seconds: list[float], **extra: Any) -> Row:
    us = sorted(s * 1e6 for s in seconds)
    p50 = statistics.median(us)
    return Row(
        case=case,
        p50_us=p50,
        p99_us=us[-1],
        ops_per_s=1e6 / p50,
        samples=len(us),
        **extra,
    )


def run(opts: Options) -> list[Row]:
    rows: list[Row] = []
    runs = 1 if opts.quick else 3 * opts.repeat
    for n in opts.sizes_for(NAME, [100, 500], [20]):
        with tempfile.TemporaryDirectory(prefix=f"bench-start-{n}-") as tmp:
            results: dict[str, list[dict[str, Any]]] = {"first": [], "restart": [], "floor": []}
            for i in range(runs):
                workdir = Path(tmp) / f"run{i}"
                write_many(workdir / "plugins", n)
                results["floor"].append(child("floor", workdir))
                results["first"].append(child("first", workdir))
                results["restart"].append(child("restart", workdir))
            for mode in ("first", "restart"):
                for answer in results[mode]:
                    if answer["enabled"] != n:
                        raise RuntimeError(f"{mode}: {answer['enabled']} of {n} plugins enabled")
        floor_s = [r["import_parse_s"] for r in results["floor"]]
        floor_p50 = statistics.median(floor_s)
        restart_s = [r["initialize_s"] for r in results["restart"]]
        targeted = n == TARGET_SIZE
        rows += [
            _timed_row(f"4 start-up {n}: floor, import + parse only", floor_s, note="baseline"),
            _timed_row(
                f"4 start-up {n}: first initialize() (discover)",
                [r["initialize_s"] for r in results["first"]],
                baseline="floor",
                ratio=statistics.median(r["initialize_s"] for r in results["first"]) / floor_p50,
            ),
            _timed_row(
                f"4 start-up {n}: load_plugin × {n}",
                [r["load_all_s"] for r in results["first"]],
                baseline="floor",
                ratio=statistics.median(r["load_all_s"] for r in results["first"]) / floor_p50,
            ),
            _timed_row(
                f"4 start-up {n}: restart, initialize() re-enables {n}",
                restart_s,
                baseline="floor",
                ratio=statistics.median(restart_s) / floor_p50,
                target=f"≤{TARGET_S:g} s" if targeted else "",
                met=statistics.median(restart_s) <= TARGET_S if targeted else None,
                note=f"CPU time {statistics.median(r['cpu_s'] for r in results['restart']):.2f} s "
                "(the rest is waiting: thread start-up and hops, other processes)",
            ),
        ]
        empty = statistics.median(r["rss"] for r in results["floor"])
        loaded = statistics.median(r["rss"] for r in results["restart"])
        rows.append(
            Row(
                case=f"4 RSS: manager with {n} loaded",
                p50_us=None,
                p99_us=None,
                ops_per_s=None,
                value=_mb(loaded),
                baseline=f"no plugins {_mb(empty)}",
                ratio=loaded / empty,
                note=f"{(loaded - empty) / n / 1024:.0f} KB per loaded plugin",
                samples=len(results["restart"]),
            )
        )
    return rows
