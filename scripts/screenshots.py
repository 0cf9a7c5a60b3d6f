"""Save a PNG of each console tab into assets/screenshots/ (for the README).

Starts the real app on temporary folders and a free port, installs a few plugins from the
bundled catalogue through the REST API, then drives Debian's Chromium through every tab.
Run it with ``scripts/screenshots``; nothing from a test run is ever written there.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from tests.e2e.live_server import PASSWORD, TOKEN  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
TABS = [
    ("Installed", "installed"),
    ("Marketplace", "marketplace"),
    ("Configuration", "configuration"),
    ("Permissions", "permissions"),
    ("Hook console", "hook-console"),
    ("Audit log", "audit-log"),
    ("Settings / system", "settings"),
]


def main() -> int:
    if not CHROMIUM.exists():
        print(f"Chromium is missing at {CHROMIUM}: run scripts/setup first.", file=sys.stderr)
        return 1
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plugin-admin-shots-") as root:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(root) / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "e2e" / "live_server.py"), root, str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        try:
            wait_for(url, server, log)
            seed(url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(20_000)
                page.goto(url + "/")
                page.get_by_label("username").fill("admin")
                page.get_by_label("password").fill(PASSWORD)
                page.get_by_role("button", name="Login").click()
                expect(page.get_by_role("heading", name="Plugin Admin")).to_be_visible()
                for label, name in TABS:
                    page.get_by_role("tab", name=label).click()
                    prepare(page, label)
                    idle(page)
                    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                    print(f"saved {OUT / name}.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


def wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the app exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the app did not answer:\n{log.read_text()[-3000:]}")


def seed(url: str) -> None:
    """A few installed plugins (one with an update waiting), two running, one call made."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        for plugin_id, version in [
            ("email_filter_plugin", None),
            ("link_checker", "1.0.0"),
            ("language_detector", None),
        ]:
            body = {"plugin_id": plugin_id, **({"version": version} if version else {})}
            api.post("/api/plugins/install", json=body, timeout=60).raise_for_status()
        for plugin_id in ("email_filter_plugin", "language_detector"):
            api.post(f"/api/plugins/{plugin_id}/load", json={}).raise_for_status()


def prepare(page, label: str) -> None:
    """Put each tab in a state worth showing."""
    from playwright.sync_api import expect

    if label == "Installed":
        page.locator("#installed-table").get_by_role("gridcell", name="email_filter_plugin").click()
    elif label == "Marketplace":
        page.locator("#marketplace-table").get_by_role("gridcell", name="link_checker").click()
    elif label == "Hook console":
        expect(page.locator("#console-curl")).to_contain_text("/hooks/")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("#console-status")).to_contain_text(" ms")
    elif label == "Audit log":
        expect(page.locator("#audit-table")).to_contain_text("install")
    time.sleep(1.0)


def idle(page) -> None:
    """Wait until no event is running (every status tracker hidden)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"status-tracker\"]')]"
        ".every(el => el.classList.contains('hide') || el.offsetParent === null)"
    )


if __name__ == "__main__":
    sys.exit(main())
