"""Install, update, rollback, uninstall and upload against a folder and a real HTTP server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from plugin_admin import (
    InvalidConfigError,
    InvalidStateError,
    NotFoundError,
    OperationInProgressError,
    PluginStatus,
    VersionNotFoundError,
)
from tests.marketplace.helpers import package_of, tree


@pytest.fixture(params=["folder", "http"])
def source(request: pytest.FixtureRequest, market_dir: Path) -> str:
    """The same marketplace as a folder path and over HTTP on 127.0.0.1."""
    if request.param == "folder":
        return str(market_dir)
    return request.getfixturevalue("market_url")


async def test_install_newest_then_update_rollback_uninstall(source, market_manager, tmp_path):
    manager = await market_manager(source)
    stages: list[str] = []
    result = await manager.install_plugin(
        "alpha", "1.0.0", actor="alice", progress=lambda stage, fraction: stages.append(stage)
    )
    assert result["status"] == "installed" and result["version"] == "1.0.0"
    assert result["capabilities"] == ["testing"]
    assert {"download", "verify", "extract", "validate", "register"} <= set(stages)
    details = await manager.get_plugin("alpha")
    assert details["provenance"]["checksum_verified"] is True
    assert details["provenance"]["installed_by"] == "alice"
    assert details["permissions"]["granted"] == ["read:emails"]

    await manager.load_plugin("alpha", {"level": 5})
    assert (await manager.run_hook("alpha", "echo", {}))["result"]["version"] == "1.0.0"

    updates = await manager.check_for_updates()
    assert updates == [
        {
            "plugin_id": "alpha",
            "installed_version": "1.0.0",
            "latest_version": "2.0.0",
            "new_permissions": ["network"],
            "changelog": "2.0.0: test release",
        }
    ]
    updated = await manager.update_plugin("alpha", "1.1.0")
    assert updated["status"] == "updated" and updated["enabled"] is True
    assert (updated["from_version"], updated["version"]) == ("1.0.0", "1.1.0")
    hook = await manager.run_hook("alpha", "echo", {})
    assert hook["result"]["version"] == "1.1.0"
    assert hook["result"]["config"]["level"] == 5  # config migrated, not reset

    versions = await manager.list_versions("alpha")
    assert versions["current"] == "1.1.0" and versions["available_for_rollback"] == ["1.0.0"]
    back = await manager.rollback_plugin("alpha")
    assert back["version"] == "1.0.0" and back["enabled"] is True
    assert (await manager.run_hook("alpha", "echo", {}))["result"]["version"] == "1.0.0"
    assert (await manager.list_versions("alpha"))["available_for_rollback"] == ["1.1.0"]

    data_file = manager.settings.plugin_data_path("alpha") / "notes.txt"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text("kept")
    gone = await manager.uninstall_plugin("alpha", keep_data=True)
    assert gone == {"plugin_id": "alpha", "status": "uninstalled", "data_kept": True}
    assert tree(manager.plugins_dir) == [] and data_file.read_text() == "kept"
    again = await manager.install_plugin("alpha", "1.0.0")
    assert again["status"] == "installed"
    assert manager.current_config("alpha")["level"] == 5  # kept config came back
    await manager.uninstall_plugin("alpha", keep_data=False)
    assert not data_file.exists()
    assert (await manager.search_marketplace(installed="installed")) == []


async def test_update_with_new_permission_waits_for_grant(market_dir, market_manager):
    manager = await market_manager(market_dir)
    await manager.install_plugin("alpha", "1.1.0")
    await manager.load_plugin("alpha")
    result = await manager.update_plugin("alpha")
    assert result["version"] == "2.0.0" and result["enabled"] is False
    assert result["new_permissions"] == ["network"]
    assert "grant network" in result["message"]
    assert (await manager.get_plugin("alpha"))["status"] == PluginStatus.DISABLED.value
    assert not manager.has_grant("alpha", "network")
    await manager.grant_permission("alpha", "network")
    loaded = await manager.load_plugin("alpha")
    assert loaded["status"] == "loaded"


async def test_update_refused_when_config_does_not_fit(market_dir, market_manager, sources):
    manager = await market_manager(market_dir)
    await manager.install_plugin("alpha", "1.0.0")
    await manager.load_plugin("alpha", {"level": 3, "extra": "x"})
    # 1.1.0's schema is the same, so tighten it: rebuild the market with a stricter 1.1.0
    manifest_path = sources / "alpha" / "1.1.0" / "plugin.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["config_schema"]["additionalProperties"] = False
    manifest_path.write_text(json.dumps(manifest))
    from tests.marketplace.helpers import build_market

    build_market(sources, market_dir)
    await manager.clear_marketplace_cache()
    with pytest.raises(InvalidConfigError) as caught:
        await manager.update_plugin("alpha", "1.1.0")
    assert "the update was refused" in caught.value.message
    assert (await manager.run_hook("alpha", "echo", {}))["result"]["version"] == "1.0.0"
    assert tree(manager.plugins_dir.parent / ".plugin-admin-staging") == []


async def test_new_version_that_fails_to_load_is_rolled_back(tmp_path, sources, market_manager):
    from tests.marketplace.helpers import build_market, write_source

    write_source(
        sources,
        "beta",
        "0.2",
        preamble="VERSION = '0.2'",
        initialize="raise RuntimeError('cannot start 0.2')",
    )
    out = tmp_path / "market2"
    build_market(sources, out)
    manager = await market_manager(out)
    await manager.install_plugin("beta", "0.1")
    await manager.load_plugin("beta")
    with pytest.raises(Exception) as caught:
        await manager.update_plugin("beta", "0.2")
    assert "rolled back automatically to 0.1" in str(caught.value)
    details = await manager.get_plugin("beta")
    assert details["version"] == "0.1" and details["status"] == "enabled"
    assert (await manager.list_versions("beta"))["available_for_rollback"] == ["0.2"]


async def test_errors_name_what_is_wrong(market_dir, market_manager):
    manager = await market_manager(market_dir)
    with pytest.raises(NotFoundError, match="No plugin 'gamma' in the marketplace"):
        await manager.install_plugin("gamma")
    with pytest.raises(VersionNotFoundError, match="available: 2.0.0, 1.1.0, 1.0.0"):
        await manager.install_plugin("alpha", "9.9")
    await manager.install_plugin("beta")
    with pytest.raises(InvalidStateError, match="already at version 0.1"):
        await manager.update_plugin("beta")
    with pytest.raises(VersionNotFoundError, match="nothing to roll back"):
        await manager.rollback_plugin("beta")
    again = await manager.install_plugin("beta")
    assert again["already_installed"] is True
    assert tree(manager.plugins_dir) == sorted(
        ["beta", *(f"beta/{p}" for p in ("__init__.py", "plugin.json"))]
    )


async def test_concurrent_identical_installs_one_wins(market_url, market_manager):
    manager = await market_manager(market_url)
    outcomes = await asyncio.gather(
        *(manager.install_plugin("alpha", "1.0.0") for _ in range(4)), return_exceptions=True
    )
    wins = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, OperationInProgressError)]
    assert len(wins) == 1 and len(refused) == 3, outcomes
    assert "in progress" in refused[0].message
    assert (await manager.get_plugin("alpha"))["version"] == "1.0.0"


async def test_upload_installs_and_updates(market_manager, market_dir, sources):
    manager = await market_manager(market_dir)
    data = package_of(sources / "alpha" / "1.0.0", "alpha")
    result = await manager.install_from_zip(data, filename="alpha.zip", actor="admin")
    assert result["status"] == "installed" and result["version"] == "1.0.0"
    provenance = (await manager.get_plugin("alpha"))["provenance"]
    assert provenance["note"] == "uploaded by admin" and provenance["checksum_verified"] is False
    newer = await manager.install_from_zip(package_of(sources / "alpha" / "1.1.0", "alpha"))
    assert newer["status"] == "updated" and newer["version"] == "1.1.0"
    assert (await manager.list_versions("alpha"))["available_for_rollback"] == ["1.0.0"]


async def test_search_marks_installed_and_updates(market_dir, market_manager):
    manager = await market_manager(market_dir)
    await manager.install_plugin("alpha", "1.0.0")
    everything = await manager.search_marketplace()
    assert [e["plugin_id"] for e in everything] == ["alpha", "beta"]
    alpha = everything[0]
    assert alpha["installed_version"] == "1.0.0" and alpha["update_available"] is True
    assert [v["version"] for v in alpha["versions"]] == ["2.0.0", "1.1.0", "1.0.0"]
    assert alpha["versions"][0]["changelog"] == "2.0.0: test release"
    assert [
        e["plugin_id"] for e in await manager.search_marketplace(installed="update_available")
    ] == ["alpha"]
    assert [
        e["plugin_id"] for e in await manager.search_marketplace(installed="not_installed")
    ] == ["beta"]
    assert [e["plugin_id"] for e in await manager.search_marketplace(category="analysis")] == [
        "beta"
    ]
    assert [e["plugin_id"] for e in await manager.search_marketplace("alpha filter")] == ["alpha"]
    entry = await manager.get_marketplace_plugin("beta")
    assert entry["installed_version"] is None and entry["checksum"].startswith("sha256:")


async def test_auto_update_applies_updates_with_the_same_rules(market_dir, market_manager):
    manager = await market_manager(market_dir)
    await manager.install_plugin("alpha", "1.0.0")
    await manager.load_plugin("alpha")
    await manager.shutdown()
    updated = await market_manager(market_dir, plugin_auto_update=True)
    for _ in range(300):
        details = await updated.get_plugin("alpha")
        if details["version"] == "2.0.0":
            break
        await asyncio.sleep(0.1)
    assert details["version"] == "2.0.0"
    assert details["status"] == "disabled"  # 2.0.0 asks for 'network': waits for a grant
    events = updated.audit_log(plugin_id="alpha", action="update")
    assert events and events[0]["actor"] == "auto-update"


async def test_a_change_in_progress_in_another_process_is_refused(market_dir, market_manager):
    from plugin_admin.marketplace import installer

    manager = await market_manager(market_dir)
    # the lock another process (e.g. `plugin-admin install` beside the server) would hold
    locks = manager.settings.plugin_data_dir / "locks"
    busy = pytest.raises(OperationInProgressError, match="Another process is changing 'beta'")
    with installer.process_lock(locks, "beta", "install"), busy:
        await manager.install_plugin("beta")
    assert (await manager.install_plugin("beta"))["status"] == "installed"
