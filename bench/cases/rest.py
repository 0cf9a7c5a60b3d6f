"""Case 7: hook calls over the REST API on loopback, 1, 10 and 50 concurrent clients.

The server is the real app in its own process (``rest_server.py``); the clients are httpx
``AsyncClient`` tasks in this process, each sending requests back to back for a fixed time.
The floor is ``GET /api/health`` (the same server, no auth, no plugin) at the same
concurrency. On a 2-core machine the client's own CPU competes with the server's, so the
numbers are a lower bound of what a remote client would see.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ..core import Options, Row, Stats, ratio
from .rest_server import PLUGIN_ID

NAME = "rest"
TARGET_CALLS = 500.0
TARGET_CLIENTS = 10
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def unavailable() -> str | None:
    if importlib.util.find_spec("plugin_admin.server") is None:
        return "plugin_admin.server is not there yet"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the bench server exited: {log.read_text()[-1500:]}")
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the bench server did not come up in 120 s: {log.read_text()[-1500:]}")


async def load(
    client: httpx.AsyncClient, method: str, path: str, clients: int, seconds: float
) -> tuple[list[int], int, float]:
    """``clients`` tasks send requests back to back for ``seconds``: latencies, errors, wall."""
    latencies: list[int] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors
        clock = time.perf_counter_ns
        while time.monotonic() < stop:
            start = clock()
            try:
                response = await client.request(method, path, json={} if method == "POST" else None)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(clock() - start)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


async def run(opts: Options) -> list[Row]:
    token = secrets.token_urlsafe(24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    seconds = 0.5 if opts.quick else 5.0 * opts.repeat
    with tempfile.TemporaryDirectory(prefix="bench-rest-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.cases.rest_server", tmp, str(port), token],
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            await wait_until_up(base, process, log)
            return await _measure(base, token, opts, seconds, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc), to cost each call."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(base: str, token: str, opts: Options, seconds: float, pid: int) -> list[Row]:
    headers = {"Authorization": f"Bearer {token}"}
    hook_path = f"/api/plugins/{PLUGIN_ID}/hooks/ping"
    rows: list[Row] = []
    for clients in opts.sizes_for(NAME, [1, 10, 50], [10]):
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=30
        ) as client:
            loaded = await client.post(f"/api/plugins/{PLUGIN_ID}/load", json={})
            if loaded.status_code not in (200, 409):
                raise RuntimeError(f"loading {PLUGIN_ID} answered {loaded.status_code}")
            answer = (await client.post(hook_path, json={})).json()
            if answer.get("result") != {"pong": True}:
                raise RuntimeError(f"the hook answered {answer!r}")
            await load(client, "POST", hook_path, clients, min(0.5, seconds))  # warm-up
            cpu = cpu_seconds(pid)
            floor_lat, floor_err, floor_wall = await load(
                client, "GET", "/api/health", clients, seconds
            )
            floor_cpu, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
            hook_lat, hook_err, hook_wall = await load(client, "POST", hook_path, clients, seconds)
            hook_cpu = cpu_seconds(pid) - cpu
        floor = Stats.of(floor_lat)
        hooks = Stats.of(hook_lat)
        calls_s = len(hook_lat) / hook_wall
        targeted = clients == TARGET_CLIENTS
        floor_row = floor.row(
            f"7 REST {clients} clients: GET /api/health",
            note=f"baseline; {floor_err} errors; server CPU "
            f"{floor_cpu / len(floor_lat) * 1000:.2f} ms per call",
        )
        floor_row.ops_per_s = len(floor_lat) / floor_wall
        hook_row = hooks.row(
            f"7 REST {clients} clients: POST hooks/ping",
            baseline="health",
            ratio=ratio(hooks, floor),
            target=f"≥{TARGET_CALLS:g}/s, 0 errors" if targeted else "",
            met=(calls_s >= TARGET_CALLS and hook_err == 0) if targeted else None,
            note=f"{hook_err} errors in {len(hook_lat)} calls; server CPU "
            f"{hook_cpu / len(hook_lat) * 1000:.2f} ms per call "
            f"(≈{len(hook_lat) / max(hook_cpu, 1e-9):.0f} calls/s per busy core)",
        )
        hook_row.ops_per_s = calls_s
        rows += [floor_row, hook_row]
    return rows
