"""Marketplace tab handlers against the real bundled catalogue (built into a temp folder)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import httpx
import pytest

from plugin_admin.ui.installed import InstalledTab
from plugin_admin.ui.marketplace import STAGES, MarketplaceTab, overall_fraction
from tests.ui.conftest import FakeRequest, RecordingProgress, select, warning_toast


@pytest.fixture
async def market(start_manager, catalogue: Path):
    return await start_manager(plugin_marketplace_url=str(catalogue))


async def test_search_filters_by_text_category_and_tags_and_sorts(market) -> None:
    tab = MarketplaceTab(market)
    table, categories, tags, source, retry = await tab.search("", "any", [], "name")
    assert len(table) == 9 and table.iloc[0]["ID"] == "attachment_policy"
    assert "filtering" in categories["choices"] and "spam" in tags["choices"]
    assert "**Source:**" in source and "9 plugins" in source
    assert retry["visible"] is False

    table, *_ = await tab.search("", "security", [], "name")
    assert set(table["ID"]) == {"attachment_policy", "link_checker"}
    table, *_ = await tab.search("", "any", ["spam"], "name")
    assert list(table["ID"]) == ["email_filter_plugin"]
    table, *_ = await tab.search("redact", "any", [], "name")
    assert list(table["ID"]) == ["pii_redactor"]
    table, *_ = await tab.search("", "any", [], "downloads")
    downloads = list(table["Downloads"])
    assert downloads == sorted(downloads, reverse=True)


async def test_search_filters_by_security_level_and_installed_state(market) -> None:
    tab = MarketplaceTab(market)
    table, *_ = await tab.search("", "any", [], "name", "sandboxed")
    assert list(table["ID"]) == ["pii_redactor"]
    await market.install_plugin("link_checker", "1.0.0")
    await market.install_plugin("language_detector")
    table, *_ = await tab.search("", "any", [], "name", "any", "installed")
    assert list(table["ID"]) == ["language_detector", "link_checker"]
    table, *_ = await tab.search("", "any", [], "name", "any", "update_available")
    assert list(table["ID"]) == ["link_checker"]
    table, *_ = await tab.search("", "any", [], "name", "any", "not_installed")
    assert len(table) == 7 and "link_checker" not in set(table["ID"])


async def test_selecting_an_entry_shows_versions_permissions_and_checksum(market) -> None:
    tab = MarketplaceTab(market)
    table, *_ = await tab.search("email filter", "any", [], "name")
    plugin_id, details, versions, picker, button, note = await tab.select(
        select(list(table.iloc[0]))
    )
    assert plugin_id == "email_filter_plugin"
    assert "v1.1.0" in details and "`read:emails`" in details and "sha256:" in details
    assert list(versions["version"]) == ["1.1.0", "1.0.0"]
    assert picker["choices"] == ["1.1.0", "1.0.0"] and picker["value"] == "1.1.0"
    assert button["interactive"] is True and note == ""


async def test_install_reports_each_stage_in_order_and_shows_up_as_installed(market) -> None:
    tab = MarketplaceTab(market)
    progress = RecordingProgress()
    message = await tab.install("email_filter_plugin", "1.0.0", FakeRequest("alice"), progress)
    assert "email_filter_plugin 1.0.0 is installed" in message
    fractions = [f for f, _ in progress.calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    stages = [d for _, d in progress.calls if d and d != "starting"]
    assert [s for s in STAGES if f"{s}…" in stages] == STAGES

    table, *_ = await tab.search("", "any", [], "name")
    row = table[table["ID"] == "email_filter_plugin"].iloc[0]
    assert row["Installed"] == "1.0.0 (update → 1.1.0)"
    _, installed = await InstalledTab(market).refresh()
    assert installed.iloc[0]["Update"] == "→ 1.1.0"
    *_, button, note = await tab.entry("email_filter_plugin")
    assert button["interactive"] is False and "update it from the Installed tab" in note
    assert (
        market.audit_log(plugin_id="email_filter_plugin", action="install")[0]["actor"] == "alice"
    )


async def test_installing_an_unknown_version_is_refused_in_user_terms(market) -> None:
    with pytest.raises(gr.Error, match="9.9.9"):
        await MarketplaceTab(market).install("link_checker", "9.9.9", None, RecordingProgress())
    assert "link_checker" not in market.plugin_ids()


async def test_upload_installs_a_zip_package(market, catalogue: Path) -> None:
    message = await MarketplaceTab(market).upload(str(catalogue / "auto_tagger-1.0.0.zip"), None)
    assert "auto_tagger 1.0.0 is installed from auto_tagger-1.0.0.zip" in message
    assert "auto_tagger" in market.plugin_ids()


async def test_an_unreachable_marketplace_says_so_and_offers_retry(start_manager) -> None:
    manager = await start_manager(plugin_marketplace_url="http://127.0.0.1:9/market")
    with warning_toast("Cannot reach http://127.0.0.1:9/market"):
        table, _, _, source, retry = await MarketplaceTab(manager).search("", "any", [], "name")
    assert table.empty
    assert "unreachable" in source and "press Retry" in source
    assert retry["visible"] is True


def test_the_progress_bar_is_one_bar_over_all_stages() -> None:
    assert overall_fraction("download", 0.0) == 0.0
    assert overall_fraction("download", 1.0) == 0.2
    assert overall_fraction("register", 1.0) == 1.0


async def test_when_the_marketplace_goes_down_the_cached_list_is_shown_with_its_age(
    start_manager, catalogue: Path
) -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        file = catalogue / request.url.path.lstrip("/")
        if not file.is_file():
            return httpx.Response(404)
        return httpx.Response(200, content=file.read_bytes())

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    manager = await start_manager(
        plugin_marketplace_url="http://market.test", plugin_marketplace_cache_ttl=0
    )
    manager.marketplace_transport = httpx.MockTransport(serve)
    tab = MarketplaceTab(manager)
    table, *_, source, retry = await tab.search("", "any", [], "name")
    assert len(table) == 9 and retry["visible"] is False

    manager.marketplace_transport = httpx.MockTransport(down)
    table, *_, source, retry = await tab.search("", "any", [], "name")
    assert len(table) == 9  # the cached list
    assert "unreachable" in source and "Showing the cached list from" in source
    assert retry["visible"] is True

    manager.marketplace_transport = httpx.MockTransport(serve)
    table, *_, source, retry = await tab.retry("", "any", [], "name")
    assert len(table) == 9 and retry["visible"] is False and "unreachable" not in source
