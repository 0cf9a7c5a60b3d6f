"""Audit log filters and CSV export; the system tab's masked settings, paths and sandbox."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import gradio as gr
import pytest

from plugin_admin.ui import formatting as fmt
from plugin_admin.ui.audit import AuditTab
from plugin_admin.ui.system import SystemTab
from tests.ui.conftest import FakeRequest, warning_toast


async def test_audit_filters_and_exports_exactly_what_is_shown(echo_plugin, start_manager) -> None:
    echo_plugin("alpha_plugin")
    echo_plugin("beta_plugin")
    manager = await start_manager()
    await manager.load_plugin("alpha_plugin", actor="alice")
    await manager.load_plugin("beta_plugin", actor="bob")
    await manager.unload_plugin("alpha_plugin", actor="alice")
    tab = AuditTab(manager)

    table, count, export = await tab.search("alpha_plugin", "any", "", "any", None, None, 500)
    assert set(table["Plugin"]) == {"alpha_plugin"}
    assert list(table["Action"])[:2] == ["unload", "load"]  # newest first
    assert count.startswith(f"**{len(table)}** event(s)")
    with Path(export["value"]).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(table) and rows[0]["Action"] == "unload"
    assert list(rows[0]) == fmt.AUDIT_COLUMNS

    table, *_ = await tab.search("any", "load", "bob", "any", None, None, 500)
    assert list(table["Plugin"]) == ["beta_plugin"]
    table, _, export = await tab.search("any", "any", "nobody", "any", None, None, 500)
    assert table.empty and export["interactive"] is False
    future = manager.audit_log(limit=1)[0]["timestamp"] + 3600
    table, *_ = await tab.search("any", "any", "", "any", future, None, 500)
    assert table.empty


async def test_plugin_filter_offers_every_known_plugin(echo_plugin, start_manager) -> None:
    echo_plugin("alpha_plugin")
    manager = await start_manager()
    picker = AuditTab(manager).plugin_filter(None)
    assert picker["choices"] == [("any", "any"), ("alpha_plugin", "alpha_plugin")]
    assert picker["value"] == "any"


async def test_system_tab_masks_secrets_and_shows_paths_versions_and_safe_mode(
    start_manager, catalogue
) -> None:
    manager = await start_manager(
        plugin_admin_password="hunter2-password",
        plugin_safe_mode=True,
        plugin_marketplace_url=str(catalogue),
    )
    banner, settings, paths, versions, market = await SystemTab(manager).overview()
    assert "Safe mode" in banner and "PLUGIN_SAFE_MODE" in banner
    assert settings["plugin_admin_password"] == fmt.MASK
    assert "hunter2" not in str(settings)
    assert settings["plugin_security_level"] == "standard"
    assert paths["PLUGINS_DIR"] == str(manager.settings.plugins_dir.resolve())
    assert versions["gradio"].startswith("6.")
    assert "9 plugins" in market


async def test_marketplace_connection_test_and_cache_clear(
    start_manager, catalogue, capsys
) -> None:
    manager = await start_manager(plugin_marketplace_url=str(catalogue))
    tab = SystemTab(manager)
    answer = await tab.test_connection()
    assert answer.startswith("✓ Connected") and "count: 9" in answer
    assert "list fetched" in await tab.clear_cache()
    assert "cache cleared" in capsys.readouterr().out


async def test_sandbox_status_says_whether_bubblewrap_is_usable(manager) -> None:
    status = await SystemTab(manager).sandbox()
    assert isinstance(status["bwrap_usable"], bool) and status["reason"]
    assert status["PLUGIN_SANDBOX_ENABLED"] is manager.settings.plugin_sandbox_enabled


async def test_backup_downloads_a_snapshot_that_restore_applies(echo_plugin, start_manager) -> None:
    echo_plugin("kept_plugin")
    manager = await start_manager()
    await manager.load_plugin("kept_plugin")
    await manager.update_plugin_config("kept_plugin", {"threshold": 9})
    tab = SystemTab(manager)
    path = await tab.backup()
    snapshot = json.loads(Path(path).read_text())
    assert [p["plugin_id"] for p in snapshot["plugins"]] == ["kept_plugin"]

    await manager.update_plugin_config("kept_plugin", {"threshold": 1})
    await manager.unload_plugin("kept_plugin")
    report = await tab.restore(path, FakeRequest("alice"))
    assert report["changed"] == [{"plugin_id": "kept_plugin", "changes": ["config", "enabled"]}]
    details = await manager.get_plugin("kept_plugin")
    assert details["status"] == "enabled" and details["config"]["threshold"] == 9
    assert manager.audit_log(action="restore")[0]["actor"] == "alice"


async def test_restore_refuses_a_file_that_is_not_a_backup(manager, tmp_path) -> None:
    bogus = tmp_path / "notes.json"
    bogus.write_text("[1, 2, 3]")
    with pytest.raises(gr.Error, match="Not a plugin-admin snapshot"):
        await SystemTab(manager).restore(str(bogus), FakeRequest())
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with warning_toast("not a JSON backup"):
        assert await SystemTab(manager).restore(str(garbage), FakeRequest()) == {}
