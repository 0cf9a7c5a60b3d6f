"""Plugin configuration: validation with JSON paths, defaults, apply-or-keep-the-old-one."""

from __future__ import annotations

import pytest

from plugin_admin import InvalidConfigError

SCHEMA = {
    "type": "object",
    "properties": {
        "sensitivity": {"enum": ["low", "medium", "high"], "default": "medium"},
        "rules": {
            "type": "array",
            "default": [],
            "items": {
                "type": "object",
                "properties": {
                    "pattern": {"type": "string"},
                    "action": {"enum": ["flag", "block"]},
                },
                "required": ["pattern", "action"],
            },
        },
        "limit": {"type": "integer", "minimum": 1, "default": 5},
    },
    "additionalProperties": False,
}

PICKY_INIT = """
if config.get("limit") == 13:
    return False
self.config = config
return True
"""


@pytest.fixture
async def configured(make_plugin, start_manager):
    make_plugin(
        "conf",
        manifest={"config_schema": SCHEMA},
        default_config={"limit": 3},
        initialize=PICKY_INIT,
    )
    manager = await start_manager()
    await manager.load_plugin("conf")
    return manager


async def test_defaults_come_from_schema_and_default_json(configured):
    details = await configured.get_plugin("conf")
    assert details["config"] == {"sensitivity": "medium", "rules": [], "limit": 3}
    result = await configured.run_hook("conf", "echo", {})
    assert result["result"]["config"] == {"sensitivity": "medium", "rules": [], "limit": 3}


async def test_valid_update_is_applied_to_the_running_plugin_and_stored(configured):
    answer = await configured.update_plugin_config("conf", {"sensitivity": "high", "limit": 9})
    assert answer == {
        "plugin_id": "conf",
        "status": "configuration_updated",
        "config": {"sensitivity": "high", "limit": 9, "rules": []},
    }
    result = await configured.run_hook("conf", "echo", {})
    assert result["result"]["config"]["sensitivity"] == "high"
    assert configured.store.get_plugin("conf").config["limit"] == 9


async def test_invalid_config_lists_each_json_path_and_keeps_the_old_one(configured):
    await configured.update_plugin_config("conf", {"sensitivity": "low"})
    with pytest.raises(InvalidConfigError) as caught:
        await configured.update_plugin_config(
            "conf",
            {
                "sensitivity": "extreme",
                "rules": [{"pattern": 1, "action": "zap"}],
                "limit": 0,
                "bogus": 1,
            },
        )
    paths = {e["path"] for e in caught.value.errors}
    assert {"$.sensitivity", "$.rules[0].pattern", "$.rules[0].action", "$.limit", "$"} <= paths
    assert "previous configuration is unchanged" in caught.value.message
    assert configured.store.get_plugin("conf").config["sensitivity"] == "low"
    result = await configured.run_hook("conf", "echo", {})
    assert result["result"]["config"]["sensitivity"] == "low"


async def test_config_the_plugin_refuses_restores_the_old_one(configured):
    await configured.update_plugin_config("conf", {"limit": 4})
    with pytest.raises(InvalidConfigError, match="refused the new configuration"):
        await configured.update_plugin_config("conf", {"limit": 13})
    assert configured.store.get_plugin("conf").config["limit"] == 4
    details = await configured.get_plugin("conf")
    assert details["status"] == "enabled"
    assert (await configured.run_hook("conf", "echo", {}))["result"]["config"]["limit"] == 4


@pytest.mark.parametrize("not_an_object", [[1, 2], "text", 3])
async def test_config_must_be_an_object(configured, not_an_object):
    with pytest.raises(InvalidConfigError, match="must be a JSON object"):
        await configured.update_plugin_config("conf", not_an_object)


async def test_load_with_invalid_config_leaves_status_and_config_alone(make_plugin, start_manager):
    make_plugin("conf", manifest={"config_schema": SCHEMA})
    manager = await start_manager()
    with pytest.raises(InvalidConfigError):
        await manager.load_plugin("conf", config={"limit": "many"})
    assert (await manager.get_plugin("conf"))["status"] == "installed"
    loaded = await manager.load_plugin("conf", config={"limit": 2})
    assert loaded["status"] == "loaded"
    assert (await manager.get_plugin("conf"))["config"]["limit"] == 2


async def test_validate_without_saving_and_reset_to_defaults(configured):
    check = configured.validate_config("conf", {"limit": -1})
    assert not check["valid"] and check["errors"][0]["path"] == "$.limit"
    await configured.update_plugin_config("conf", {"limit": 8})
    reset = await configured.reset_plugin_config("conf")
    assert reset["config"]["limit"] == 3  # config/default.json


async def test_config_update_is_audited_with_changed_keys(configured):
    await configured.update_plugin_config("conf", {"sensitivity": "high"}, actor="carol")
    [event] = configured.audit_log(plugin_id="conf", action="config_update")
    assert event["actor"] == "carol"
    assert event["details"]["changed"] == ["sensitivity"]
