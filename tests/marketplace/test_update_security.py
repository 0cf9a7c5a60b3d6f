"""An update is probed at the security level the plugin will run at, admin choice included."""

from __future__ import annotations

import pytest

from plugin_admin.errors import PackageError
from plugin_admin.marketplace import installer


async def test_an_update_of_a_plugin_forced_sandboxed_is_probed_in_the_sandbox(
    market_dir, market_manager, monkeypatch
):
    manager = await market_manager(market_dir)
    await manager.install_plugin("alpha", "1.0.0")
    await manager.set_security_level("alpha", "sandboxed")
    asked: list[bool] = []

    async def probe(folder, plugin_id, timeout, *, sandboxed=False):
        asked.append(sandboxed)
        raise PackageError("probe stopped by the test")

    monkeypatch.setattr(installer, "probe_import", probe)
    with pytest.raises(PackageError, match="probe stopped"):
        await manager.update_plugin("alpha", "1.1.0")
    assert asked == [True]
    assert (await manager.get_plugin("alpha"))["version"] == "1.0.0"  # nothing changed


async def test_a_fresh_install_follows_the_manifest_and_operator_minimum(
    market_dir, market_manager, monkeypatch
):
    manager = await market_manager(market_dir)
    asked: list[bool] = []

    async def probe(folder, plugin_id, timeout, *, sandboxed=False):
        asked.append(sandboxed)
        raise PackageError("probe stopped by the test")

    monkeypatch.setattr(installer, "probe_import", probe)
    with pytest.raises(PackageError):
        await manager.install_plugin("alpha", "1.0.0")
    assert asked == [False]
