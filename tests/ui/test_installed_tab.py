"""Installed tab handlers against a real manager on temporary folders."""

from __future__ import annotations

import gradio as gr
import pytest

from plugin_admin.ui.common import actor_of
from plugin_admin.ui.installed import ACTIONS, InstalledTab
from tests.ui.conftest import FakeRequest, first_row, select, warning_toast


def interactive(panel: tuple) -> dict[str, bool]:
    """Which action buttons the panel enables (panel = details, versions, *buttons, reasons)."""
    return {name: panel[2 + i]["interactive"] for i, name in enumerate(ACTIONS)}


async def test_table_lists_plugins_with_counts_search_and_status_filter(
    echo_plugin, make_plugin, start_manager
) -> None:
    echo_plugin("alpha_plugin")
    make_plugin("beta_plugin")
    manager = await start_manager()
    await manager.load_plugin("alpha_plugin")
    tab = InstalledTab(manager)

    summary, table = await tab.refresh("", "all")
    assert (
        "**2** plugins" in summary and "**1** enabled" in summary and "**1** installed" in summary
    )
    assert list(table["ID"]) == ["alpha_plugin", "beta_plugin"]
    assert list(table["Status"]) == ["enabled", "installed"]

    _, only_enabled = await tab.refresh("", "enabled")
    assert list(only_enabled["ID"]) == ["alpha_plugin"]
    _, searched = await tab.refresh("BETA", "all")
    assert list(searched["ID"]) == ["beta_plugin"]


async def test_selecting_a_row_shows_details_and_only_the_valid_actions(
    echo_plugin, start_manager
) -> None:
    echo_plugin("alpha_plugin", permissions=["read:emails"])
    manager = await start_manager()
    tab = InstalledTab(manager)
    _, table = await tab.refresh()

    selected, *panel = await tab.select(select(first_row(table)))
    assert selected == "alpha_plugin"
    details, reasons = panel[0], panel[-1]
    assert "### Test `alpha_plugin` · v1.0.0" in details
    assert "`read:emails` (medium risk)" in details and "✓ granted" in details
    assert "**`echo`** — Return the arguments" in details
    buttons = interactive(tuple(panel))
    assert buttons["load"] and buttons["uninstall"] and not buttons["unload"]
    assert "**unload**: it is installed, not running" in reasons
    assert "**rollback**: no previous version is kept" in reasons


async def test_load_is_disabled_with_the_reason_while_a_permission_is_missing(
    echo_plugin, start_manager
) -> None:
    echo_plugin("alpha_plugin", permissions=["network"])
    manager = await start_manager()
    await manager.revoke_permission("alpha_plugin", "network")
    panel = await InstalledTab(manager).panel("alpha_plugin")
    assert interactive(panel)["load"] is False
    assert "grant network in the Permissions tab first" in panel[-1]


async def test_load_then_unload_updates_table_and_panel(echo_plugin, start_manager, capsys) -> None:
    echo_plugin("alpha_plugin")
    manager = await start_manager()
    tab = InstalledTab(manager)

    _, table, selected, *panel = await tab.act(
        "load", "alpha_plugin", None, True, "", "all", FakeRequest("alice")
    )
    assert "alpha_plugin is enabled" in capsys.readouterr().out  # the success toast
    assert table.iloc[0]["Status"] == "enabled" and selected == "alpha_plugin"
    assert interactive(tuple(panel))["unload"] and not interactive(tuple(panel))["load"]
    assert manager.audit_log(action="load")[0]["actor"] == "alice"

    _, table, _, *panel = await tab.act("unload", "alpha_plugin", None, True, "", "all", None)
    assert table.iloc[0]["Status"] == "disabled"


async def test_a_failing_load_warns_in_user_terms_and_shows_the_last_error(
    make_plugin, start_manager
) -> None:
    make_plugin("broken_plugin", initialize="raise RuntimeError('database missing')")
    manager = await start_manager()
    tab = InstalledTab(manager)
    with warning_toast("database missing"):
        _, table, _, details, *_ = await tab.act(
            "load", "broken_plugin", None, True, "", "all", None
        )
    assert table.iloc[0]["Status"] == "error"
    assert "Last error:" in details and "database missing" in details


async def test_uninstall_without_keeping_data_removes_the_row(echo_plugin, start_manager) -> None:
    echo_plugin("alpha_plugin")
    manager = await start_manager()
    tab = InstalledTab(manager)
    _, table, selected, details, *_ = await tab.act(
        "uninstall", "alpha_plugin", None, False, "", "all", None
    )
    assert table.empty and selected is None
    assert "Select a plugin" in details
    assert manager.audit_log(action="uninstall")[0]["details"] == {"keep_data": False}


async def test_an_action_without_a_selection_is_refused(manager) -> None:
    with pytest.raises(gr.Error, match="Select a plugin"):
        await InstalledTab(manager).act("load", None, None, True, "", "all", None)


async def test_actor_is_the_logged_in_user_and_anonymous_requests_are_refused(manager) -> None:
    assert actor_of(FakeRequest("bob"), manager) == "bob"
    assert actor_of(None, manager) == "console"
    with pytest.raises(gr.Error, match="not logged in"):
        actor_of(FakeRequest(None), manager)
    manager.settings = manager.settings.model_copy(update={"plugin_admin_auth_disabled": True})
    assert actor_of(FakeRequest(None), manager) == "console"


async def test_update_then_roll_back_from_the_panel(start_manager, catalogue) -> None:
    manager = await start_manager(plugin_marketplace_url=str(catalogue))
    await manager.install_plugin("email_filter_plugin", "1.0.0")
    tab = InstalledTab(manager)
    panel = await tab.panel("email_filter_plugin")
    assert interactive(panel)["update"] and not interactive(panel)["rollback"]
    assert "**Update available:** 1.1.0" in panel[0]

    _, table, _, *panel = await tab.act(
        "update", "email_filter_plugin", None, True, "", "all", None
    )
    assert table.iloc[0]["Version"] == "1.1.0" and table.iloc[0]["Update"] == ""
    versions = panel[1]
    assert versions["choices"] == ["1.0.0"] and interactive(tuple(panel))["rollback"]
    assert "**update**: no newer version in the marketplace" in panel[-1]

    _, table, *_ = await tab.act("rollback", "email_filter_plugin", "1.0.0", True, "", "all", None)
    assert table.iloc[0]["Version"] == "1.0.0" and table.iloc[0]["Update"] == "→ 1.1.0"
