"""The bench runner works: quick mode runs every case end to end and reports rows for each.

Times are never asserted here (bench/README.md holds the measured numbers and targets); what a
user would notice is asserted: the command succeeds, prints the table, writes the JSON, and
every case produced measured rows rather than a failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.registry import CASES

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, f"bench failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc, json.loads(out.read_text())


def test_quick_mode_prints_the_table_and_the_machine(quick_run) -> None:
    proc, _ = quick_run
    header = proc.stdout.splitlines()[0]
    for column in ("case", "p50", "p99", "ops/s", "baseline", "ratio", "target"):
        assert column in header
    assert "CPUs · Python" in proc.stdout


def test_every_case_produced_measured_rows(quick_run) -> None:
    _, report = quick_run
    rows = report["rows"]
    assert {row["group"] for row in rows} == set(CASES)
    problems = [r for r in rows if r["note"].startswith(("FAILED", "unavailable"))]
    assert problems == []
    for row in rows:
        if row["value"]:  # a memory row
            assert row["value"].endswith("MB")
            continue
        assert row["samples"] > 0, row
        assert 0 < row["p50_us"] <= row["p99_us"], row
        assert row["ops_per_s"] > 0, row


def test_ratios_compare_against_a_baseline_measured_in_the_same_run(quick_run) -> None:
    _, report = quick_run
    compared = [r for r in report["rows"] if r["baseline"]]
    assert {r["group"] for r in compared} == set(CASES)
    assert all(r["ratio"] > 0 for r in compared)
    targeted = [r for r in report["rows"] if r["target"]]
    assert targeted and all(isinstance(r["met"], bool) for r in targeted)


def test_the_json_names_the_machine(quick_run) -> None:
    _, report = quick_run
    meta = report["meta"]
    assert meta["quick"] is True
    assert meta["nproc"] >= 1 and meta["python"].count(".") == 2 and meta["cpu"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cases", "hook_call,nonsense"], "unknown case(s) nonsense"),  # typo in a case name
        (["--sizes", "broadcast=ten"], "sizes must be integers"),
        (["--sizes", "startup"], "must look like CASE=N,N"),
        (["--sizes", "startup=0"], "at least one size ≥ 1"),
    ],
    ids=["unknown-case", "non-integer-size", "no-equals", "zero-size"],
)
def test_bad_options_are_refused_with_what_to_do(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_repeat_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repeat", "0"]) == 2
    assert "--repeat must be at least 1" in capsys.readouterr().err
