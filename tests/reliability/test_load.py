"""Load on 127.0.0.1: 20 clients mixing hook calls, listings, config updates, installs.

Short by default (a few seconds); ``pytest --full-load`` runs the full 60 s. Bounded in time
and count, it stops by itself. Asserts zero 5xx, no lost config update, bounded RSS growth.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.plugin_factory import write_plugin

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "load-test-token-0123456789"
CLIENTS = 20
CONFIG_CLIENTS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(tmp_path):
    plugins = tmp_path / "plugins"
    schema = {"type": "object", "properties": {"n": {"type": "integer", "default": 0}}}
    for i in range(CONFIG_CLIENTS):
        write_plugin(plugins, f"counter_{i}", manifest={"config_schema": schema})
    write_plugin(
        plugins, "worker", hooks="async def hook_echo(self, **kw):\n    return {'echo': kw}"
    )
    port = _free_port()
    env = {
        **os.environ,
        "PLUGINS_DIR": str(plugins),
        "PLUGIN_DATA_DIR": str(tmp_path / "data"),
        "PLUGIN_API_TOKEN": TOKEN,
        "PLUGIN_ADMIN_PASSWORD": "load-test-password",
        "PLUGIN_ADMIN_PORT": str(port),
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
    if process.poll() is not None:
        log.close()
        pytest.fail("server did not start:\n" + (tmp_path / "server.log").read_text()[-4000:])
    yield base, process
    process.terminate()
    process.wait(30)
    log.close()


async def test_mixed_load_has_no_server_errors_and_loses_no_config_update(server, request):
    base, process = server
    seconds = 60.0 if request.config.getoption("--full-load") else 6.0
    headers = {"Authorization": f"Bearer {TOKEN}"}
    statuses: dict[int, int] = {}
    acknowledged: dict[str, int] = {}

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for plugin_id in ["worker", *(f"counter_{i}" for i in range(CONFIG_CLIENTS))]:
            assert (await client.post(f"/api/plugins/{plugin_id}/load", json={})).status_code == 200
        rss_before = _rss_mb(process.pid)
        deadline = time.monotonic() + seconds

        def count(response: httpx.Response) -> httpx.Response:
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            return response

        async def hook_caller(n: int) -> None:
            i = 0
            while time.monotonic() < deadline and i < 100_000:
                i += 1
                count(await client.post("/api/plugins/worker/hooks/echo", json={"n": n, "i": i}))

        async def lister() -> None:
            while time.monotonic() < deadline:
                count(await client.get("/api/plugins/"))
                count(await client.get("/api/plugins/marketplace", params={"limit": 20}))

        async def configurer(k: int) -> None:
            plugin_id, n = f"counter_{k}", 0
            while time.monotonic() < deadline:
                n += 1
                response = count(
                    await client.put(f"/api/plugins/{plugin_id}/config", json={"config": {"n": n}})
                )
                if response.status_code == 200:
                    acknowledged[plugin_id] = n

        async def installer() -> None:
            while time.monotonic() < deadline:
                count(
                    await client.post(
                        "/api/plugins/install", json={"plugin_id": "language_detector"}
                    )
                )
                count(
                    await client.delete(
                        "/api/plugins/language_detector", params={"keep_data": "false"}
                    )
                )

        roles = [hook_caller(n) for n in range(CLIENTS - CONFIG_CLIENTS - 4)]
        roles += [lister(), lister(), installer(), installer()]
        roles += [configurer(k) for k in range(CONFIG_CLIENTS)]
        assert len(roles) == CLIENTS
        await asyncio.gather(*roles)

        rss_after = _rss_mb(process.pid)
        server_errors = {code: n for code, n in statuses.items() if code >= 500}
        assert not server_errors, statuses
        assert statuses.get(200, 0) > 100, statuses
        unexpected = set(statuses) - {200, 404, 409}
        assert not unexpected, statuses
        for plugin_id, n in acknowledged.items():
            stored = (await client.get(f"/api/plugins/{plugin_id}")).json()["config"]
            assert stored == {"n": n}, plugin_id
        assert rss_after - rss_before < 200, (rss_before, rss_after)
