"""The served application as an operator runs it: ``python app.py`` / ``plugin-admin serve`` in
a subprocess on 127.0.0.1, stopped by SIGTERM or Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.plugin_factory import write_plugin

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLUGIN", "PLUGINS_"))
    }
    env.update(
        PLUGINS_DIR=str(tmp_path / "plugins"),
        PLUGIN_DATA_DIR=str(tmp_path / "data"),
        PLUGIN_ADMIN_HOST="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Server:
    """A server subprocess whose output is kept for the assertion messages."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = cwd / "server.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop(signal.SIGKILL)
        pytest.fail(f"server did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self, sig: int, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"server ignored signal {sig} for {timeout} s:\n{self.output()}")
        finally:
            self._log_file.close()


@pytest.fixture
def marker_plugin(tmp_path: Path) -> Path:
    """A plugin that writes a file when it is shut down (proves the clean shutdown)."""
    marker = tmp_path / "shutdown.marker"
    write_plugin(
        tmp_path / "plugins",
        "marker_plugin",
        preamble=f"MARKER = {str(marker)!r}",
        shutdown="open(MARKER, 'w').write('clean')\nreturn True",
    )
    return marker


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def test_app_py_serves_api_and_console_and_stops_cleanly_on_sigterm(
    tmp_path: Path, marker_plugin: Path, servers: list[Server]
) -> None:
    port = free_port()
    env = server_env(tmp_path, PLUGIN_ADMIN_PORT=str(port))
    server = Server([sys.executable, str(REPO / "app.py")], env, tmp_path, port)
    servers.append(server)
    server.wait_until_up()

    # the generated token is printed once and works; only its hash is on disk
    match = re.search(r"REST API token : (\S+)", server.output())
    assert match, server.output()
    token = match.group(1)
    assert token not in (tmp_path / "data" / "credentials.json").read_text()
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        assert client.get("/api/plugins/", headers={"Authorization": "Bearer x"}).status_code == 401
        assert [p["id"] for p in client.get("/api/plugins/").json()] == ["marker_plugin"]
        loaded = client.post("/api/plugins/marker_plugin/load")
        assert loaded.status_code == 200, loaded.text
        called = client.post("/api/plugins/marker_plugin/hooks/echo", json={"x": 1})
        assert called.json()["result"]["echo"] == {"x": 1}
        assert client.get("/").status_code == 200  # the console (login page)
        assert client.get("/docs").status_code == 200

    assert server.stop(signal.SIGTERM) == 0, server.output()
    assert marker_plugin.read_text() == "clean", server.output()
    assert "Application shutdown complete" in server.output()
    assert server.output().count("REST API token") == 1


def test_cli_serve_stops_cleanly_on_ctrl_c(
    tmp_path: Path, marker_plugin: Path, servers: list[Server]
) -> None:
    port = free_port()
    env = server_env(tmp_path, PLUGIN_API_TOKEN="cli-token-0123456789abcdef")
    argv = [sys.executable, "-m", "plugin_admin.cli", "serve", "--port", str(port)]
    server = Server(argv, env, tmp_path, port)
    servers.append(server)
    server.wait_until_up()
    auth = {"Authorization": "Bearer cli-token-0123456789abcdef"}
    loaded = httpx.post(f"{server.url}/api/plugins/marker_plugin/load", headers=auth, timeout=30)
    assert loaded.status_code == 200, loaded.text
    assert "REST API token" not in server.output()  # configured, so nothing generated
    assert server.stop(signal.SIGINT) == 0, server.output()
    assert marker_plugin.read_text() == "clean", server.output()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            {"PLUGIN_ADMIN_HOST": "0.0.0.0", "PLUGIN_ADMIN_AUTH_DISABLED": "true"},
            ["Refusing to start", "PLUGIN_ADMIN_AUTH_DISABLED", "0.0.0.0"],
        ),
        ({"PLUGIN_ADMIN_PORT": "not-a-port"}, ["PLUGIN_ADMIN_PORT", "not-a-port"]),
    ],
    ids=["no-auth-on-public-address", "invalid-setting"],
)
def test_app_py_refuses_to_start(tmp_path: Path, extra: dict[str, str], words: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        env=server_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "credentials.json").exists()
