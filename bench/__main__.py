"""``python -m bench``: run the bench cases, print the table, write the JSON.

Examples::

    .venv/bin/python -m bench                      # every case, full size
    .venv/bin/python -m bench --quick              # every case, small (the smoke test's mode)
    .venv/bin/python -m bench --cases hook_call,broadcast --repeat 3
    .venv/bin/python -m bench --cases startup --sizes startup=100,500,1000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from loguru import logger

from .core import Options, render_table, write_json
from .registry import CASES, machine, run_cases

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def parse_sizes(text: str) -> dict[str, list[int]]:
    """``"broadcast=10,100;startup=100"`` → ``{"broadcast": [10, 100], "startup": [100]}``."""
    sizes: dict[str, list[int]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, values = part.partition("=")
        if not sep or name.strip() not in CASES:
            raise argparse.ArgumentTypeError(
                f"--sizes part {part!r} must look like CASE=N,N with CASE one of {', '.join(CASES)}"
            )
        try:
            numbers = [int(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"--sizes {part!r}: sizes must be integers") from None
        if not numbers or min(numbers) < 1:
            raise argparse.ArgumentTypeError(f"--sizes {part!r}: give at least one size ≥ 1")
        sizes[name.strip()] = numbers
    return sizes


def parse_cases(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown case(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(CASES)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="plugin-admin benchmarks against baselines"
    )
    parser.add_argument(
        "--cases",
        type=parse_cases,
        default=list(CASES),
        help=f"comma-separated, from: {', '.join(CASES)} (default: all)",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default={},
        help="per-case sizes, e.g. 'broadcast=10,100;startup=100,500;rest=1,10,50'",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="multiply every iteration count by N (default 1)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few iterations (smoke test)"
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write JSON ({DEFAULT_JSON})"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown (for the README)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    logger.remove()  # the manager's debug audit lines would drown the table
    logger.add(sys.stderr, level="WARNING")
    opts = Options(quick=args.quick, repeat=args.repeat, sizes=args.sizes)
    started = time.perf_counter()
    rows = run_cases(args.cases, opts, progress=lambda msg: print(msg, file=sys.stderr))
    meta = machine()
    meta.update(
        cases=args.cases,
        quick=args.quick,
        repeat=args.repeat,
        seconds=round(time.perf_counter() - started, 1),
    )
    print(render_table(rows, markdown=args.markdown))
    notes = [f"- {row.case}: {row.note}" for row in rows if row.note and row.note != "baseline"]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    print(
        f"\n{meta['cpu']} · {meta['nproc']} CPUs · Python {meta['python']} · "
        f"load {meta['loadavg']} · {meta['seconds']} s"
    )
    write_json(args.json, rows, meta)
    print(f"JSON written to {args.json}", file=sys.stderr)
    failed = [row for row in rows if row.note.startswith("FAILED")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
