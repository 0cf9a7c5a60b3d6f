"""Backup and restore: a snapshot carries versions, checksums, status, config and grants."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from plugin_admin import InvalidInputError, PluginManager
from tests.conftest import make_settings


@pytest.fixture
async def source_manager(tmp_path):
    manager = PluginManager(settings=make_settings(tmp_path / "a"))
    await manager.initialize()
    await manager.install_plugin("email_filter_plugin", "1.0.0")
    await manager.install_plugin("thread_summarizer", "1.1.0")
    await manager.load_plugin("email_filter_plugin")
    await manager.update_plugin_config("email_filter_plugin", {"sensitivity": "high"})
    await manager.revoke_permission("thread_summarizer", "read:emails")
    yield manager
    await manager.shutdown()


async def test_snapshot_restores_onto_a_fresh_instance(source_manager, tmp_path):
    snapshot = await source_manager.export_state()
    assert json.loads(json.dumps(snapshot)) == snapshot
    by_id = {p["plugin_id"]: p for p in snapshot["plugins"]}
    assert by_id["email_filter_plugin"]["version"] == "1.0.0"
    assert by_id["email_filter_plugin"]["checksum"].startswith("sha256:")
    assert by_id["email_filter_plugin"]["status"] == "enabled"
    assert by_id["thread_summarizer"]["grants"] == []

    fresh = PluginManager(settings=make_settings(tmp_path / "b"))
    await fresh.initialize()
    try:
        report = await fresh.restore_state(snapshot, actor="restorer")
        assert report["failed"] == []
        changed = {c["plugin_id"]: c["changes"] for c in report["changed"]}
        assert "installed 1.0.0" in changed["email_filter_plugin"]
        assert "enabled" in changed["email_filter_plugin"]
        assert "config" in changed["email_filter_plugin"]
        filt = await fresh.get_plugin("email_filter_plugin")
        assert filt["status"] == "enabled" and filt["version"] == "1.0.0"
        assert filt["config"]["sensitivity"] == "high"
        summarizer = await fresh.get_plugin("thread_summarizer")
        assert summarizer["version"] == "1.1.0" and summarizer["permissions"]["granted"] == []
        result = await fresh.execute_plugin_hook(
            "email_filter_plugin", "filter_email", email_content="hi"
        )
        assert result["action"] == "allow"
        # Restoring the same snapshot again changes nothing.
        again = await fresh.restore_state(snapshot)
        assert again["changed"] == [] and sorted(again["unchanged"]) == [
            "email_filter_plugin",
            "thread_summarizer",
        ]
    finally:
        await fresh.shutdown()


async def test_restore_reports_what_it_could_not_do(source_manager, tmp_path):
    snapshot = await source_manager.export_state()
    broken = copy.deepcopy(snapshot)
    for item in broken["plugins"]:
        if item["plugin_id"] == "email_filter_plugin":
            item["checksum"] = "sha256:" + "0" * 64  # the package changed since the backup
        if item["plugin_id"] == "thread_summarizer":
            item["version"] = "9.9.9"
    fresh = PluginManager(settings=make_settings(tmp_path / "c"))
    await fresh.initialize()
    try:
        report = await fresh.restore_state(broken)
        failed = {f["plugin_id"]: f["error"] for f in report["failed"]}
        assert "refusing a changed package" in failed["email_filter_plugin"]
        assert "no longer offers thread_summarizer 9.9.9" in failed["thread_summarizer"]
        assert fresh.plugin_ids() == []  # nothing half-installed
        assert fresh.audit_log(action="restore")[0]["outcome"] == "partial"
    finally:
        await fresh.shutdown()


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"format": 2, "plugins": []},
        {
            "format": 1,
            "created_at": 1,
            "plugins": [{"plugin_id": "../x", "status": "enabled", "version": "1"}],
        },
    ],
)
async def test_malformed_snapshots_are_refused_clearly(manager, bad):
    with pytest.raises(InvalidInputError, match="Not a plugin-admin snapshot"):
        await manager.restore_state(bad)


def test_cli_backup_and_restore_round_trip(tmp_path):
    def run(folder, *args):
        env = {
            **os.environ,
            "PLUGINS_DIR": str(tmp_path / folder / "plugins"),
            "PLUGIN_DATA_DIR": str(tmp_path / folder / "data"),
        }
        return subprocess.run(
            [sys.executable, "-m", "plugin_admin.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("a", "install", "link_checker").returncode == 0
    backup = tmp_path / "state.json"
    result = run("a", "backup", str(backup))
    assert result.returncode == 0, result.stderr
    result = run("b", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["changed"][0]["plugin_id"] == "link_checker"


async def test_restore_never_installs_bytes_other_than_the_pinned_ones(tmp_path):
    """An index naming one version twice ('1.0.0' pinned, '1.0' another package) cannot slip
    the other package past the snapshot's checksum pin."""
    from plugin_admin.marketplace.packages import sha256_hex
    from tests.marketplace.helpers import package_of, write_source

    good = package_of(write_source(tmp_path / "src", "pinned", "1.0.0"))
    evil = package_of(
        write_source(
            tmp_path / "evil",
            "pinned",
            "1.0",
            hooks="async def hook_echo(self, **kw):\n    return 'evil'",
        )
    )
    market = tmp_path / "market"
    market.mkdir()
    (market / "good.zip").write_bytes(good)
    (market / "evil.zip").write_bytes(evil)
    entry = {
        "plugin_id": "pinned",
        "name": "Pinned",
        "version": "1.0.0",
        "author": "t",
        "description": "d",
        "download_url": "good.zip",
        "checksum": sha256_hex(good),
        "versions": [{"version": "1.0", "download_url": "evil.zip", "checksum": sha256_hex(evil)}],
    }
    (market / "index.json").write_text(json.dumps({"format": 1, "plugins": [entry]}))
    snapshot = {
        "format": 1,
        "created_at": 1.0,
        "plugins": [
            {
                "plugin_id": "pinned",
                "version": "1.0.0",
                "checksum": sha256_hex(good),
                "source": "marketplace",
                "status": "installed",
                "grants": [],
            }
        ],
    }
    manager = PluginManager(
        settings=make_settings(tmp_path / "target", plugin_marketplace_url=str(market))
    )
    await manager.initialize()
    try:
        report = await manager.restore_state(snapshot)
        if report["failed"]:
            assert "pinned checksum" in report["failed"][0]["error"]
            assert manager.plugin_ids() == []
        else:
            installed = await manager.get_plugin("pinned")
            assert installed["provenance"]["checksum"] == sha256_hex(good)
    finally:
        await manager.shutdown()
