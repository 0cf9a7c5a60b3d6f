"""Permissions tab: checkboxes with risk, save grants, security level, blocked plugins."""

from __future__ import annotations

from plugin_admin.ui.permissions import PermissionsTab
from tests.ui.conftest import FakeRequest


async def test_each_requested_permission_is_shown_with_risk_and_grant(
    echo_plugin, start_manager
) -> None:
    echo_plugin("alpha_plugin", permissions=["read:emails", "network"])
    manager = await start_manager()
    grants, security, level = await PermissionsTab(manager).open("alpha_plugin")
    labels = dict((value, label) for label, value in grants["choices"])
    assert "HIGH risk ●●●" in labels["network"] and "outbound HTTP" in labels["network"]
    assert "MEDIUM risk ●●○" in labels["read:emails"]
    assert sorted(grants["value"]) == ["network", "read:emails"]
    assert "**Effective security level: standard**" in security
    assert "manifest declares standard" in security and level["value"] == ""


async def test_saving_revokes_and_grants_and_lists_the_plugin_as_blocked(
    echo_plugin, start_manager, capsys
) -> None:
    echo_plugin("alpha_plugin", permissions=["read:emails", "network"])
    manager = await start_manager()
    tab = PermissionsTab(manager)

    grants, security, _, blocked = await tab.save("alpha_plugin", ["read:emails"], FakeRequest())
    assert grants["value"] == ["read:emails"]
    assert "revoked network" in capsys.readouterr().out
    assert "Cannot be enabled until granted: network" in security
    assert (
        list(blocked["plugin_id"]) == ["alpha_plugin"] and blocked.iloc[0]["missing"] == "network"
    )
    assert manager.audit_log(action="permission_revoke")[0]["actor"] == "alice"

    grants, security, _, blocked = await tab.save(
        "alpha_plugin", ["read:emails", "network"], FakeRequest()
    )
    assert sorted(grants["value"]) == ["network", "read:emails"]
    assert "granted network" in capsys.readouterr().out
    assert blocked.empty and "Cannot be enabled" not in security


async def test_an_admin_level_choice_is_explained(echo_plugin, start_manager) -> None:
    echo_plugin("alpha_plugin")
    manager = await start_manager()
    _, security, level = await PermissionsTab(manager).set_level(
        "alpha_plugin", "sandboxed", False, None
    )
    assert "**Effective security level: sandboxed**" in security
    assert "admin chose sandboxed" in security and level["value"] == "sandboxed"
