"""Discovery, the state machine, persistence across restarts, module isolation, reload."""

from __future__ import annotations

import asyncio
import json

import pytest

from plugin_admin import (
    InvalidPluginIdError,
    InvalidStateError,
    PluginManager,
    PluginNotFoundError,
    PluginStatus,
)


async def _status(manager: PluginManager, plugin_id: str) -> str:
    return (await manager.get_plugin(plugin_id))["status"]


@pytest.mark.parametrize(
    ("case", "kwargs", "reason"),
    [
        # a SyntaxError in __init__.py is found at load time, not at discovery
        ("bad_json", {"files": {"plugin.json": "{not json"}}, "not valid JSON"),
        ("missing_field", {"manifest": {"author": None}}, "author"),
        ("unknown_perm", {"manifest": {"permissions": ["read:everything"]}}, "read:everything"),
        (
            "bad_default",
            {
                "manifest": {
                    "config_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}
                },
                "default_config": {"n": "x"},
            },
            "default.json",
        ),
        ("id_mismatch", {"manifest": {"plugin_id": "other_name"}}, "other_name"),
    ],
)
async def test_broken_manifest_is_listed_with_reason_and_others_still_work(
    make_plugin, start_manager, case, kwargs, reason
):
    make_plugin("good_one")
    make_plugin(case, **kwargs)
    manager = await start_manager()
    broken = await manager.get_plugin(case)
    assert broken["status"] == "error"
    assert reason in broken["last_error"]
    assert await _status(manager, "good_one") == "installed"
    assert (await manager.load_plugin("good_one"))["status"] == "loaded"


@pytest.mark.parametrize(
    ("case", "plugin_kwargs", "reason"),
    [
        ("syntax_error", {"preamble": "def broken(:\n    pass"}, "SyntaxError"),
        ("import_raises", {"preamble": "raise RuntimeError('boom at import')"}, "boom at import"),
        (
            "factory_raises",
            {
                "preamble": "def create_plugin():\n    raise ValueError('no factory')",
                "hooks": "pass",
            },
            "no factory",
        ),
    ],
)
async def test_broken_code_is_listed_as_error_at_discovery(
    make_plugin, start_manager, case, plugin_kwargs, reason
):
    folder = make_plugin(case, **plugin_kwargs)
    if case == "factory_raises":  # the template defines create_plugin last: replace it
        source = (folder / "__init__.py").read_text()
        (folder / "__init__.py").write_text(
            source.rsplit("def create_plugin", 1)[0]
            + "def create_plugin():\n    raise ValueError('no factory')\n"
        )
    make_plugin("healthy")
    manager = await start_manager()
    listed = {p["id"]: p for p in await manager.list_plugins()}
    assert listed[case]["status"] == "error"
    assert reason in listed[case]["last_error"]
    assert listed["healthy"]["status"] == "installed"
    with pytest.raises(Exception, match=reason):
        await manager.load_plugin(case)


async def test_metadata_mismatch_is_found_at_discovery(make_plugin, start_manager):
    folder = make_plugin("liar_at_start")
    manifest = json.loads((folder / "plugin.json").read_text())
    manifest["version"] = "3.0.0"
    (folder / "plugin.json").write_text(json.dumps(manifest))
    manager = await start_manager()
    details = await manager.get_plugin("liar_at_start")
    assert details["status"] == "error"
    assert "'3.0.0'" in details["last_error"] and "'1.0.0'" in details["last_error"]


async def test_code_checked_at_discovery_only_when_it_changed(make_plugin, start_manager, tmp_path):
    counter = tmp_path / "imports.txt"
    make_plugin("counted_import", preamble=f"open({str(counter)!r}, 'a').write('x')")
    first = await start_manager()
    assert counter.read_text() == "x"
    await first.shutdown()
    await start_manager()
    assert counter.read_text() == "x"  # unchanged code is not imported again at start-up


async def test_sandboxed_code_is_never_run_in_the_host_at_discovery(
    make_plugin, start_manager, tmp_path
):
    marker = tmp_path / "ran.txt"
    make_plugin(
        "contained",
        manifest={"security_level": "sandboxed"},
        preamble=f"open({str(marker)!r}, 'w').write('ran in host')",
    )
    manager = await start_manager()
    assert (await manager.get_plugin("contained"))["status"] == "installed"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("case", "plugin_kwargs", "reason"),
    [
        ("init_raises", {"initialize": "raise ValueError('bad init')"}, "bad init"),
        ("init_false", {"initialize": "return False"}, "returned False"),
    ],
)
async def test_plugin_that_fails_to_load_goes_to_error_with_reason(
    make_plugin, start_manager, case, plugin_kwargs, reason
):
    make_plugin(case, **plugin_kwargs)
    manager = await start_manager()
    with pytest.raises(Exception) as caught:
        await manager.load_plugin(case)
    assert reason in str(caught.value)
    details = await manager.get_plugin(case)
    assert details["status"] == "error"
    assert reason in details["last_error"]


async def test_metadata_disagreeing_with_manifest_names_both_values(make_plugin, start_manager):
    folder = make_plugin("liar")
    manifest = json.loads((folder / "plugin.json").read_text())
    manifest["version"] = "2.0.0"
    (folder / "plugin.json").write_text(json.dumps(manifest))
    manager = await start_manager()
    with pytest.raises(Exception, match=r"'2\.0\.0'.*'1\.0\.0'"):
        await manager.load_plugin("liar")


@pytest.mark.parametrize("bad_id", ["../etc", "a/b", "x" * 300, "UPPER", "", "1abc", "a"])
async def test_bad_ids_are_refused_before_touching_the_filesystem(manager, bad_id):
    with pytest.raises(InvalidPluginIdError, match="Invalid plugin id"):
        await manager.load_plugin(bad_id)
    with pytest.raises(InvalidPluginIdError):
        await manager.get_plugin(bad_id)


async def test_unknown_plugin_is_not_found_and_lists_installed(make_plugin, start_manager):
    make_plugin("present")
    manager = await start_manager()
    with pytest.raises(PluginNotFoundError, match="present"):
        await manager.load_plugin("absent")


async def test_illegal_transitions_name_the_current_status(make_plugin, start_manager):
    make_plugin("machine")
    manager = await start_manager()
    with pytest.raises(InvalidStateError, match="installed"):
        await manager.unload_plugin("machine")
    with pytest.raises(InvalidStateError, match="installed, not enabled"):
        await manager.run_hook("machine", "echo", {})
    await manager.load_plugin("machine")
    with pytest.raises(InvalidStateError, match="already enabled"):
        await manager.load_plugin("machine")
    await manager.unload_plugin("machine")
    assert await _status(manager, "machine") == "disabled"
    with pytest.raises(InvalidStateError, match="disabled"):
        await manager.unload_plugin("machine")
    with pytest.raises(InvalidStateError, match="disabled"):
        await manager.run_hook("machine", "echo", {})
    await manager.load_plugin("machine")  # DISABLED -> ENABLED is legal
    assert await _status(manager, "machine") == "enabled"


async def test_error_state_can_be_loaded_again_after_a_fix(make_plugin, start_manager):
    folder = make_plugin("flaky", initialize="raise ValueError('not yet')")
    manager = await start_manager()
    with pytest.raises(Exception, match="not yet"):
        await manager.load_plugin("flaky")
    assert await _status(manager, "flaky") == "error"
    with pytest.raises(InvalidStateError, match="error"):
        await manager.unload_plugin("flaky")
    make_plugin("flaky")  # the fix: rewrite the folder with a working plugin
    assert folder.exists()
    assert (await manager.load_plugin("flaky"))["status"] == "loaded"


async def test_ten_concurrent_loads_load_once(make_plugin, start_manager):
    make_plugin(
        "popular", initialize="await asyncio.sleep(0.05)\nself.config = config\nreturn True"
    )
    manager = await start_manager()
    outcomes = await asyncio.gather(
        *(manager.load_plugin("popular") for _ in range(10)), return_exceptions=True
    )
    loaded = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(loaded) == 1
    assert len(refused) == 9
    assert all(isinstance(e, InvalidStateError) and "already enabled" in str(e) for e in refused)
    loads = manager.audit_log(plugin_id="popular", action="load", outcome="success")
    assert len(loads) == 1


async def test_enabled_plugins_come_back_after_restart_with_their_config(
    make_plugin, start_manager
):
    make_plugin(
        "durable",
        manifest={
            "config_schema": {
                "type": "object",
                "properties": {"level": {"type": "integer", "default": 1}},
            }
        },
    )
    make_plugin("left_off")
    first = await start_manager()
    await first.load_plugin("durable")
    await first.update_plugin_config("durable", {"level": 7})
    await first.shutdown()

    second = await start_manager()
    assert await _status(second, "durable") == "enabled"
    assert await _status(second, "left_off") == "installed"
    result = await second.run_hook("durable", "echo", {})
    assert result["result"]["config"] == {"level": 7}


async def test_two_plugins_with_a_utils_module_do_not_collide(make_plugin, start_manager):
    for plugin_id, word in (("first_one", "alpha"), ("second_one", "beta")):
        make_plugin(
            plugin_id,
            preamble="from . import utils",
            hooks="async def hook_echo(self, **kwargs):\n    return {'word': utils.WORD}",
            files={"utils.py": f"WORD = {word!r}\n"},
        )
    manager = await start_manager()
    await manager.load_plugin("first_one")
    await manager.load_plugin("second_one")
    assert (await manager.execute_plugin_hook("first_one", "echo")) == {"word": "alpha"}
    assert (await manager.execute_plugin_hook("second_one", "echo")) == {"word": "beta"}


async def test_reload_picks_up_edited_source_immediately(make_plugin, start_manager):
    make_plugin(
        "devloop",
        preamble="from . import utils",
        hooks="async def hook_echo(self, **kwargs):\n    return utils.answer()",
        files={"utils.py": "def answer():\n    return 1\n"},
    )
    manager = await start_manager()
    await manager.load_plugin("devloop")
    assert await manager.execute_plugin_hook("devloop", "echo") == 1
    # Same size, same second: a bytecode cache keyed on mtime+size would serve the old code.
    (manager.plugins_dir / "devloop" / "utils.py").write_text("def answer():\n    return 2\n")
    reloaded = await manager.reload_plugin("devloop")
    assert reloaded["status"] == "loaded"
    assert await manager.execute_plugin_hook("devloop", "echo") == 2
    assert not list((manager.plugins_dir / "devloop").rglob("*.pyc"))


async def test_unload_calls_shutdown_and_drops_the_plugin_modules(
    make_plugin, start_manager, tmp_path
):
    marker = tmp_path / "shutdown.txt"
    make_plugin(
        "tidy",
        preamble="from . import helper",
        shutdown=f"open({str(marker)!r}, 'w').write('bye')\nreturn True",
        files={"helper.py": "X = 1\n"},
    )
    import sys

    manager = await start_manager()
    await manager.load_plugin("tidy")
    names = [n for n in sys.modules if n.startswith("plugin_admin_plugins.tidy__")]
    assert len(names) == 2  # the package and its helper
    await manager.unload_plugin("tidy")
    assert marker.read_text() == "bye"
    assert not [n for n in sys.modules if n.startswith("plugin_admin_plugins.tidy__")]


async def test_lifecycle_changes_are_audited(make_plugin, start_manager):
    make_plugin("watched")
    manager = await start_manager()
    await manager.load_plugin("watched", actor="alice")
    await manager.unload_plugin("watched", actor="alice")
    actions = [
        (e["action"], e["actor"], e["outcome"]) for e in manager.audit_log(plugin_id="watched")
    ]
    assert ("load", "alice", "success") in actions
    assert ("unload", "alice", "success") in actions
    assert ("installed", "system", "success") in actions


async def test_status_values_are_the_four_of_the_contract():
    assert {s.value for s in PluginStatus} == {"installed", "enabled", "disabled", "error"}


async def test_list_filters_by_status_and_level(make_plugin, start_manager):
    make_plugin("one")
    make_plugin("two")
    manager = await start_manager()
    await manager.load_plugin("two")
    assert [p["id"] for p in await manager.list_plugins(status="enabled")] == ["two"]
    assert [p["id"] for p in await manager.list_plugins(status=PluginStatus.INSTALLED)] == ["one"]
    listed = await manager.list_plugins(security_level="standard", include_metadata=False)
    assert {p["id"] for p in listed} == {"one", "two"}
    assert "metadata" not in listed[0]
    entry = (await manager.list_plugins())[1]
    for key in (
        "id",
        "name",
        "version",
        "author",
        "description",
        "status",
        "security_level",
        "loaded",
        "loaded_at",
        "capabilities",
    ):
        assert key in entry
    assert entry["loaded"] is True and entry["capabilities"] == ["testing"]


@pytest.mark.parametrize("reserved", ["marketplace", "audit", "backup", "versions", "locks"])
async def test_ids_that_name_rest_paths_are_reserved(make_plugin, start_manager, reserved):
    make_plugin(reserved)
    manager = await start_manager()
    assert reserved not in manager.plugin_ids()  # never registered, so never unreachable
    with pytest.raises(InvalidPluginIdError, match="reserved"):
        await manager.get_plugin(reserved)
