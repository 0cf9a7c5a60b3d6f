"""The sandboxed level as plugins and admins see it: the same PluginContext API with grants
checked on the host, configuration, shutdown, the built-in pii_redactor, and the honest label
when bubblewrap is not usable."""

from __future__ import annotations

import pytest

from plugin_admin import (
    HookExecutionError,
    InvalidConfigError,
    InvalidStateError,
    PermissionDeniedError,
    PluginManager,
)
from plugin_admin.sandbox import isolation
from plugin_admin.sandbox.isolation import plugin_uid
from tests.sandbox.conftest import call, processes_of_uid
from tests.sandbox.escape_plugin import write_escape_plugin


async def test_context_call_without_grant_is_denied_on_the_host_and_audited(
    escaper: PluginManager,
) -> None:
    assert len(await call(escaper, "list_mail")) == 1  # read:emails is granted
    with pytest.raises(PermissionDeniedError, match="'send:emails'") as caught:
        await call(escaper, "send_mail")
    assert caught.value.permission == "send:emails"
    assert escaper.mailbox.outbox == []  # nothing was sent
    denials = escaper.audit_log(plugin_id="escaper", action="permission_denied")
    assert denials and denials[0]["details"]["permission"] == "send:emails"
    assert (await call(escaper, "ping"))["pid"] == 2  # a denial is not a crash


async def test_revocation_reaches_a_running_worker_without_restart(escaper: PluginManager) -> None:
    runner = escaper._plugins["escaper"].runner
    pid = runner.worker_pid
    assert await call(escaper, "list_mail")
    await escaper.revoke_permission("escaper", "read:emails")
    with pytest.raises(PermissionDeniedError, match="'read:emails'"):
        await call(escaper, "list_mail")
    await escaper.grant_permission("escaper", "read:emails")
    assert await call(escaper, "list_mail")
    assert runner.worker_pid == pid and runner.restarts == 0


async def test_config_changes_reach_the_worker_and_a_refusal_keeps_the_old_one(
    plugins_dir, start_manager
) -> None:
    write_escape_plugin(
        plugins_dir,
        initialize="if config.get('refuse'):\n    return False\nself.config = config\nreturn True",
        hooks="async def hook_config(self):\n    return self.config\n",
        manifest={
            "config_schema": {
                "type": "object",
                "properties": {
                    "level": {"type": "integer", "default": 1},
                    "refuse": {"type": "boolean"},
                },
            }
        },
    )
    manager = await start_manager()
    await manager.load_plugin("escaper")
    assert (await call(manager, "config"))["level"] == 1
    await manager.update_plugin_config("escaper", {"level": 7})
    assert (await call(manager, "config"))["level"] == 7
    with pytest.raises(InvalidConfigError, match="refused"):
        await manager.update_plugin_config("escaper", {"level": 9, "refuse": True})
    assert (await call(manager, "config"))["level"] == 7


async def test_unload_stops_the_worker_and_its_processes(escaper: PluginManager) -> None:
    uid = plugin_uid("escaper")
    assert processes_of_uid(uid)
    await escaper.unload_plugin("escaper")
    assert processes_of_uid(uid) == []
    await escaper.load_plugin("escaper")
    assert (await call(escaper, "ping"))["uid"] == uid


async def test_builtin_pii_redactor_runs_in_the_worker(copy_builtin, start_manager) -> None:
    copy_builtin("pii_redactor")
    manager = await start_manager()
    await manager.load_plugin("pii_redactor")
    details = await manager.get_plugin("pii_redactor")
    assert details["security_level"] == "sandboxed"
    assert details["isolation"].startswith("sandboxed (bubblewrap")
    result = await manager.execute_plugin_hook(
        "pii_redactor", "redact_text", text="Mail jane.doe@example.org, card 4111 1111 1111 1111."
    )
    assert "jane.doe@example.org" not in result["redacted_text"]
    assert "4111 1111 1111 1111" not in result["redacted_text"]
    assert result["counts"]["email"] == 1 and result["counts"]["credit_card"] == 1
    assert processes_of_uid(plugin_uid("pii_redactor"))


async def test_without_bubblewrap_the_worker_still_runs_and_says_so(
    plugins_dir, start_manager, monkeypatch
) -> None:
    monkeypatch.setattr(isolation, "probe_bwrap", lambda: (False, "bwrap disabled for this test"))
    monkeypatch.setenv("PLUGIN_ADMIN_TEST_SECRET", "hunter2-secret")
    write_escape_plugin(plugins_dir, permissions=["read:emails"])
    manager = await start_manager()
    await manager.load_plugin("escaper")
    details = await manager.get_plugin("escaper")
    label = details["isolation"]
    assert label.startswith(
        "sandboxed without OS isolation (separate process with rlimits and seccomp only: "
        "bwrap disabled for this test"
    )
    # Without bwrap's mounts a per-plugin uid needs an interpreter other uids can read.
    assert ("runs as the host's own user" in label) is not isolation.world_traversable()
    info = await call(manager, "ping")
    assert info["pid"] != 2  # a plain process: no pid namespace
    assert "PLUGIN_ADMIN_TEST_SECRET" not in await call(manager, "environ")
    assert await call(manager, "allocate", megabytes=10 * 1024) == {
        "ok": False,
        "error": "MemoryError",
    }
    with pytest.raises(PermissionDeniedError):
        await call(manager, "send_mail")
    # The worker filtered itself: namespaces stay closed even if it runs as root here.
    assert await call(manager, "unshare") == {"user": "EPERM", "mount": "EPERM"}
    status = isolation.sandbox_status()
    assert status["bwrap_usable"] is False
    assert status["isolation"].startswith("sandboxed without OS isolation")


def test_sandbox_status_reports_this_machine() -> None:
    status = isolation.sandbox_status()
    assert status["bwrap_usable"] is True and status["bwrap_path"]
    assert status["seccomp"] is True
    assert status["per_plugin_uid"] is True
    assert status["isolation"] == (
        "sandboxed (bubblewrap namespaces, seccomp, rlimits, per-plugin uid)"
    )


async def test_large_payloads_and_unusable_results(plugins_dir, start_manager) -> None:
    write_escape_plugin(
        plugins_dir,
        permissions=["read:attachments"],
        hooks=(
            "async def hook_size(self, text):\n"
            "    return {'length': len(text), 'tail': text[-3:]}\n"
            "async def hook_huge(self):\n"
            "    return 'x' * (17 * 1024 * 1024)\n"
            "async def hook_a_set(self):\n"
            "    return {1, 2}\n"
            "async def hook_attachment(self):\n"
            "    data = await self.context.get_attachment('msg-2', 'prize.pdf.exe')\n"
            "    return list(data)\n"
        ),
    )
    manager = await start_manager()
    await manager.load_plugin("escaper")
    text = "x" * (3 * 1024 * 1024) + "end"  # far over a pipe's buffer: written in pieces
    assert await call(manager, "size", text=text) == {"length": len(text), "tail": "end"}
    with pytest.raises(HookExecutionError, match="not JSON serializable"):
        await call(manager, "a_set")
    with pytest.raises(HookExecutionError, match="unusable result.*over the"):
        await call(manager, "huge")  # over the 16 MiB frame limit: refused, not a crash
    expected = list(manager.mailbox.get_attachment("msg-2", "prize.pdf.exe"))
    assert await call(manager, "attachment") == expected  # bytes cross the channel intact
    assert manager._plugins["escaper"].runner.restarts == 0


async def test_a_plugin_that_fails_to_import_is_an_error_with_the_reason(
    make_plugin, start_manager
) -> None:
    make_plugin(
        "broken", manifest={"security_level": "sandboxed"}, preamble="raise RuntimeError('no')"
    )
    manager = await start_manager()
    with pytest.raises(HookExecutionError, match="RuntimeError: no"):
        await manager.load_plugin("broken")
    details = await manager.get_plugin("broken")
    assert details["status"] == "error" and "RuntimeError: no" in details["last_error"]
    assert processes_of_uid(plugin_uid("broken")) == []


async def test_sandbox_force_runs_a_standard_plugin_in_a_worker(make_plugin, start_manager):
    make_plugin("ordinary")
    manager = await start_manager(plugin_sandbox_force=True)
    await manager.load_plugin("ordinary")
    details = await manager.get_plugin("ordinary")
    assert details["security_level"] == "sandboxed"
    assert details["isolation"].startswith("sandboxed (bubblewrap")
    assert (await manager.execute_plugin_hook("ordinary", "echo", a=1))["echo"] == {"a": 1}


async def test_sandboxed_plugin_is_refused_when_the_sandbox_is_disabled(
    plugins_dir, start_manager
) -> None:
    write_escape_plugin(plugins_dir)
    manager = await start_manager(plugin_sandbox_enabled=False)
    with pytest.raises(InvalidStateError, match="PLUGIN_SANDBOX_ENABLED"):
        await manager.load_plugin("escaper")
    assert processes_of_uid(plugin_uid("escaper")) == []


async def test_a_worker_that_cannot_be_started_is_a_clear_error(
    plugins_dir, start_manager, monkeypatch
) -> None:
    write_escape_plugin(plugins_dir)
    manager = await start_manager()
    monkeypatch.setattr(isolation, "bwrap_path", lambda: "/nonexistent/bwrap")
    with pytest.raises(HookExecutionError, match="could not be started.*nonexistent/bwrap"):
        await manager.load_plugin("escaper")
    details = await manager.get_plugin("escaper")
    assert details["status"] == "error" and "could not be started" in details["last_error"]


async def test_the_full_plugin_admin_package_is_importable_on_demand(
    plugins_dir, start_manager
) -> None:
    write_escape_plugin(
        plugins_dir,
        hooks=(
            "async def hook_full_api(self):\n"
            "    import plugin_admin\n"
            "    from plugin_admin import PluginManager, __version__\n"
            "    return [PluginManager.__name__, __version__ == plugin_admin.__version__]\n"
        ),
    )
    manager = await start_manager()
    await manager.load_plugin("escaper")
    assert await call(manager, "full_api") == ["PluginManager", True]
