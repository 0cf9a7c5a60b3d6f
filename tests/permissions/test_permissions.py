"""Grants, the host context and security levels at the in-process (standard) level."""

from __future__ import annotations

import pytest

from plugin_admin import (
    InvalidInputError,
    InvalidManifestError,
    MissingPermissionsError,
    PermissionDeniedError,
    PluginManager,
    PluginSecurityLevel,
)
from plugin_admin.permissions import CATALOGUE

CONTEXT_HOOKS = """
async def hook_list_mail(self):
    return await self.context.list_emails(1)

async def hook_send_mail(self):
    return await self.context.send_email("someone@example.com", "hi", "body")

async def hook_log(self, message):
    self.context.log("info", message)
    return True
"""


def test_catalogue_names_descriptions_and_risks() -> None:
    expected = {
        "read:emails",
        "write:emails",
        "send:emails",
        "read:attachments",
        "write:logs",
        "network",
        "storage",
    }
    assert expected <= set(CATALOGUE)
    for permission in CATALOGUE.values():
        assert permission.description and permission.risk in {"low", "medium", "high"}


async def test_context_call_without_grant_is_denied_and_audited(make_plugin, start_manager):
    make_plugin("reader", hooks=CONTEXT_HOOKS, hook_specs={}, permissions=["read:emails"])
    manager: PluginManager = await start_manager()
    await manager.load_plugin("reader")
    assert (await manager.get_plugin("reader"))["security_level"] == "standard"
    assert len(await manager.execute_plugin_hook("reader", "list_mail")) == 1
    with pytest.raises(PermissionDeniedError, match="'send:emails'") as caught:
        await manager.execute_plugin_hook("reader", "send_mail")
    assert caught.value.permission == "send:emails"
    assert manager.mailbox.outbox == []
    denial = manager.audit_log(plugin_id="reader", action="permission_denied")[0]
    assert denial["details"] == {"permission": "send:emails", "call": "send emails"}
    assert denial["outcome"] == "denied"


async def test_revocation_takes_effect_on_the_next_call_without_restart(make_plugin, start_manager):
    make_plugin("logger", hooks=CONTEXT_HOOKS, hook_specs={}, permissions=["write:logs"])
    manager: PluginManager = await start_manager()
    await manager.load_plugin("logger")
    runner = manager._plugins["logger"].runner
    assert await manager.execute_plugin_hook("logger", "log", message="first") is True
    await manager.revoke_permission("logger", "write:logs", actor="alice")
    with pytest.raises(PermissionDeniedError, match="'write:logs'"):
        await manager.execute_plugin_hook("logger", "log", message="second")
    assert manager._plugins["logger"].runner is runner  # same running instance
    log = "\n".join(manager.plugin_log_tail("logger"))
    assert "first" in log and "second" not in log
    revoke = manager.audit_log(plugin_id="logger", action="permission_revoke")[0]
    assert revoke["actor"] == "alice" and revoke["details"] == {"permission": "write:logs"}


async def test_unknown_permission_in_manifest_is_refused_naming_it(make_plugin, start_manager):
    make_plugin("greedy", permissions=["read:emails", "root:shell"])
    manager: PluginManager = await start_manager()
    details = await manager.get_plugin("greedy")
    assert details["status"] == "error"
    assert "unknown permission(s) root:shell; known permissions are" in details["last_error"]
    with pytest.raises(InvalidManifestError, match="root:shell"):
        await manager.load_plugin("greedy")
    assert "root:shell" not in (await manager.get_permissions("greedy"))["granted"]
    with pytest.raises(InvalidInputError, match="Unknown permission 'root:shell'"):
        await manager.grant_permission("greedy", "root:shell")


async def test_enabling_is_refused_listing_exactly_the_missing_grants(make_plugin, start_manager):
    make_plugin("needy", permissions=["read:emails", "send:emails", "storage"])
    manager: PluginManager = await start_manager(plugin_grant_on_install=False)
    await manager.grant_permission("needy", "storage", actor="bob")
    with pytest.raises(MissingPermissionsError) as caught:
        await manager.load_plugin("needy")
    assert caught.value.missing == ["read:emails", "send:emails"]
    assert "grant_permission('needy'" in caught.value.message
    permissions = await manager.get_permissions("needy")
    assert permissions["missing"] == ["read:emails", "send:emails"]
    granted = {p["name"]: p for p in permissions["permissions"] if p["granted"]}
    assert set(granted) == {"storage"}
    await manager.set_permissions("needy", ["read:emails", "send:emails", "storage"])
    assert (await manager.load_plugin("needy"))["status"] == "loaded"


@pytest.mark.parametrize(
    ("declared", "operator", "admin", "effective"),
    [
        ("standard", "standard", None, "standard"),
        ("sandboxed", "standard", None, "sandboxed"),
        ("standard", "sandboxed", None, "sandboxed"),
        ("standard", "standard", "sandboxed", "sandboxed"),
        ("sandboxed", "standard", "standard", "sandboxed"),  # an admin cannot loosen it
        ("trusted", "standard", None, "standard"),  # the operator minimum wins
    ],
)
async def test_effective_level_is_the_strictest(
    make_plugin, start_manager, declared, operator, admin, effective
):
    make_plugin("leveled", manifest={"security_level": declared})
    manager: PluginManager = await start_manager(
        plugin_security_level=PluginSecurityLevel(operator)
    )
    if admin:
        await manager.set_security_level("leveled", admin)
    assert (await manager.get_plugin("leveled"))["security_level"] == effective


async def test_trusted_needs_an_admins_approval(make_plugin, start_manager):
    make_plugin("fast", manifest={"security_level": "trusted"})
    manager: PluginManager = await start_manager(plugin_security_level=PluginSecurityLevel.TRUSTED)
    explanation = (await manager.get_plugin("fast"))["security"]
    assert explanation["effective"] == "standard"
    assert "trusted is not approved by an admin for this plugin" in explanation["reasons"]
    await manager.set_security_level("fast", "trusted", approve_trusted=True, actor="carol")
    await manager.load_plugin("fast")
    details = await manager.get_plugin("fast")
    assert details["security_level"] == "trusted"
    assert details["isolation"].startswith("in-process (trusted")
    assert manager.audit_log(plugin_id="fast", action="security_level")[0]["actor"] == "carol"
