"""One admin session in a real Chromium against the real app: install → load → configure →
permissions → hook console → test case → uninstall. Each step checks what the user sees and,
through the REST API, what was stored."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.browser

PLUGIN = "email_filter_plugin"

# Remembers every progress text the status tracker shows (installs from the local catalogue
# are quick, so a snapshot after the click could miss them).
RECORD_PROGRESS = """
window.__progress = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.progress-level-inner, .progress-text')) {
    const text = el.textContent.trim();
    if (text && window.__progress[window.__progress.length - 1] !== text) {
      window.__progress.push(text);
    }
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def toast(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_test_id("toast-body").filter(has_text=text).first).to_be_visible()


def close_toasts(page: Page) -> None:
    for button in page.get_by_test_id("toast-close").all():
        if button.is_visible():
            button.click()


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def editor(page: Page, elem_id: str):
    return page.locator(f"#{elem_id}").get_by_label("Code input container")


def stored_config(server: LiveServer) -> dict:
    answer = server.api.get(f"/api/plugins/{PLUGIN}")
    assert answer.status_code == 200, f"{answer.text}\nserver output:\n{server.output()}"
    return answer.json()["config"]


def test_an_admin_installs_configures_permits_runs_and_uninstalls_a_plugin(
    page: Page, live_server: LiveServer
) -> None:
    page.add_init_script(RECORD_PROGRESS)
    page.evaluate(RECORD_PROGRESS)

    # Marketplace: pick the entry, install it with a progress bar.
    open_tab(page, "Marketplace")
    market = page.locator("#marketplace-table")
    market.get_by_role("gridcell", name=PLUGIN, exact=True).click()
    expect(page.locator("#marketplace-details")).to_contain_text("Permissions it will ask for")
    page.get_by_role("button", name="Install Email Filter Plugin").click()
    expect(page.locator("#marketplace-result")).to_contain_text(f"{PLUGIN} 1.1.0 is installed")
    toast(page, "is installed")
    seen = " | ".join(page.evaluate("window.__progress"))
    assert re.search(r"download|verify|extract|validate|register", seen), seen
    expect(market.get_by_role("gridcell", name="1.1.0", exact=True).last).to_be_visible()
    close_toasts(page)

    # Installed: the new row; load it.
    open_tab(page, "Installed")
    table = page.locator("#installed-table")
    table.get_by_role("gridcell", name=PLUGIN, exact=True).click()
    expect(page.locator("#installed-details")).to_contain_text("Email Filter Plugin")
    page.get_by_role("button", name="Load", exact=True).click()
    toast(page, "is enabled")
    expect(table.get_by_role("gridcell", name="enabled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Unload", exact=True)).to_be_enabled()
    close_toasts(page)

    # Configuration: invalid JSON is refused and nothing changes; a valid edit is saved.
    open_tab(page, "Configuration")
    expect(editor(page, "config-editor")).to_contain_text('"sensitivity": "medium"')
    before = stored_config(live_server)
    editor(page, "config-editor").fill('{"sensitivity": "high",')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#config-errors")).to_contain_text("Not valid JSON")
    expect(editor(page, "config-editor")).to_contain_text('{"sensitivity": "high",')
    assert stored_config(live_server) == before
    close_toasts(page)
    editor(page, "config-editor").fill(json.dumps({**before, "sensitivity": "high"}, indent=2))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#config-errors")).to_contain_text("Saved")
    expect(page.locator("#config-diff")).to_contain_text('$.sensitivity: "medium" → "high"')
    assert stored_config(live_server)["sensitivity"] == "high"
    close_toasts(page)

    # Permissions: revoke, then grant again.
    open_tab(page, "Permissions")
    box = page.locator("#permissions-grants").get_by_role(
        "checkbox", name=re.compile("^write:logs")
    )
    expect(box).to_be_checked()
    box.uncheck()
    page.get_by_role("button", name="Save grants").click()
    toast(page, "revoked write:logs")
    grants = live_server.api.get(f"/api/plugins/{PLUGIN}/permissions").json()
    assert "write:logs" not in grants["granted"]
    close_toasts(page)
    box.check()
    page.get_by_role("button", name="Save grants").click()
    toast(page, "granted write:logs")
    assert (
        "write:logs" in live_server.api.get(f"/api/plugins/{PLUGIN}/permissions").json()["granted"]
    )
    close_toasts(page)

    # Hook console: run the prefilled example, see result and time; save and re-run a case.
    open_tab(page, "Hook console")
    expect(editor(page, "console-args")).to_contain_text("email_content")
    expect(page.locator("#console-curl")).to_contain_text(f"/api/plugins/{PLUGIN}/hooks/")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#console-status")).to_contain_text(re.compile(r"✓ .* · [\d.]+ ms"))
    expect(page.locator("#console-result")).to_contain_text("spam_indicators")
    expect(page.locator("#console-history")).to_contain_text("ok")
    page.locator("#console-case-name").get_by_role("textbox").fill("example call")
    page.get_by_role("button", name="Save last call as test case").click()
    expect(page.locator("#console-cases")).to_contain_text("example call")
    page.get_by_role("button", name="Re-run all test cases").click()
    expect(page.locator("#console-case-summary")).to_contain_text("1/1 passed")
    close_toasts(page)

    # Broadcast mode: one panel per enabled plugin that declares the hook.
    page.get_by_label("Broadcast to every enabled plugin").check()
    expect(page.locator("#console-curl")).to_contain_text("pick one plugin")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#console-status")).to_contain_text("ran on 1 plugin(s): 1 ok")
    expect(page.get_by_role("button", name=re.compile(f"✓ {PLUGIN} · [\\d.]+ ms"))).to_be_visible()

    # Installed: uninstall (keeping data); the row disappears.
    open_tab(page, "Installed")
    table.get_by_role("gridcell", name=PLUGIN, exact=True).click()
    page.get_by_role("button", name="Uninstall").click()
    toast(page, "is uninstalled")
    expect(table.get_by_role("gridcell", name=PLUGIN, exact=True)).to_have_count(0)
    assert live_server.api.get(f"/api/plugins/{PLUGIN}").status_code == 404
