"""Browser fixtures: the real application in a subprocess on a free port, and Chromium.

Browser tests never skip: without Debian's Chromium they fail and say how to get it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.live_server import PASSWORD, TOKEN

CHROMIUM = Path(os.environ.get("PLUGIN_ADMIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A running ``create_app`` server: its URL and an authorised REST client."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        self.api = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:] if self.log.exists() else ""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("e2e-app")
    port = free_port()
    log = root / "server.log"
    script = Path(__file__).with_name("live_server.py")
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(script), str(root), str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    server = LiveServer(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_up(process, server)
        yield server
    finally:
        server.api.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen, server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"The app exited with code {process.returncode} before answering:\n"
                + server.output()
            )
        try:
            if httpx.get(server.url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"The app did not answer within {STARTUP_SECONDS} s:\n" + server.output())


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run scripts/setup (it installs Debian's "
            "chromium with apt-get) or set PLUGIN_ADMIN_CHROMIUM to a Chromium binary."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    """A logged-in console page (1400×1000)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("username").fill("admin")
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("heading", name="Plugin Admin")).to_be_visible()
    yield page
    context.close()
