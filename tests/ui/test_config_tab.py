"""Configuration tab: edit, validate, save, reset and revert; secrets stay masked."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from plugin_admin.ui import formatting as fmt
from plugin_admin.ui.config import NO_CHANGES, ConfigTab
from tests.ui.conftest import FakeRequest, warning_toast


@pytest.fixture
async def tab(echo_plugin, start_manager) -> ConfigTab:
    echo_plugin("alpha_plugin")
    manager = await start_manager()
    await manager.update_plugin_config(
        "alpha_plugin", {"threshold": 3, "mode": "fast", "api_key": "s3cret"}
    )
    return ConfigTab(manager)


async def stored(tab: ConfigTab) -> dict:
    return (await tab.manager.get_plugin("alpha_plugin"))["config"]


async def test_opening_shows_the_config_masked_with_schema_and_field_summary(tab) -> None:
    text, schema, summary, errors, diff = await tab.open("alpha_plugin")
    assert json.loads(text) == {"threshold": 3, "mode": "fast", "api_key": fmt.MASK}
    assert "s3cret" not in text
    assert schema["properties"]["api_key"]["writeOnly"] is True
    assert "secret (masked)" in summary and errors == "" and diff == ""


async def test_invalid_json_is_reported_with_its_position_and_nothing_is_saved(tab) -> None:
    before = await stored(tab)
    with warning_toast("not valid JSON"):
        editor, errors, _diff = await tab.save("alpha_plugin", '{"threshold": 4,', None)
    assert editor == gr.skip()  # the editor keeps the user's text
    assert "Not valid JSON" in errors and "line 1" in errors
    assert await stored(tab) == before


async def test_schema_errors_are_listed_by_json_path_and_nothing_is_saved(tab) -> None:
    before = await stored(tab)
    bad = json.dumps({"threshold": -1, "mode": "turbo", "api_key": fmt.MASK})
    message, diff = await tab.validate("alpha_plugin", bad)
    assert "`$.threshold`" in message and "`$.mode`" in message and diff == ""
    with warning_toast("Invalid configuration"):
        editor, errors, _ = await tab.save("alpha_plugin", bad, None)
    assert "`$.threshold`" in errors and editor == gr.skip()
    assert await stored(tab) == before


async def test_validate_previews_and_save_applies_the_diff_keeping_the_masked_secret(
    tab, capsys
) -> None:
    edited = json.dumps({"threshold": 7, "mode": "slow", "api_key": fmt.MASK})
    message, preview = await tab.validate("alpha_plugin", edited)
    assert message == "✓ Valid." and "~ $.threshold: 3 → 7" in preview
    editor, status, diff = await tab.save("alpha_plugin", edited, FakeRequest("carol"))
    assert status == "✓ Saved." and '~ $.mode: "fast" → "slow"' in diff
    assert json.loads(editor)["threshold"] == 7 and "s3cret" not in editor
    assert await stored(tab) == {"threshold": 7, "mode": "slow", "api_key": "s3cret"}
    assert "saved" in capsys.readouterr().out
    assert tab.manager.audit_log(action="config_update")[0]["actor"] == "carol"
    _, unchanged = await tab.validate("alpha_plugin", editor)
    assert unchanged == NO_CHANGES


async def test_reset_goes_back_to_defaults_and_revert_drops_edits(tab) -> None:
    editor, status, diff = await tab.reset("alpha_plugin", None)
    assert json.loads(editor) == {"threshold": 3, "mode": "fast", "api_key": ""}
    assert (await stored(tab)).get("api_key", "") == ""
    assert status == "✓ Reset to defaults." and "api_key" in diff
    text, errors, diff = await tab.revert("alpha_plugin")
    assert json.loads(text) == json.loads(editor) and errors == "" and diff == ""


async def test_editing_is_disabled_with_the_reason_when_the_plugin_folder_is_broken(
    tab, make_plugin
) -> None:
    *buttons, reason = await tab.availability("alpha_plugin")
    assert all(b["interactive"] for b in buttons) and reason == ""
    *buttons, reason = await tab.availability(None)
    assert not any(b["interactive"] for b in buttons) and "Pick a plugin" in reason

    folder = make_plugin("broken_plugin")
    (folder / "plugin.json").write_text("{not json")
    await tab.manager.rescan()
    *buttons, reason = await tab.availability("broken_plugin")
    assert not any(b["interactive"] for b in buttons)
    assert "cannot be read" in reason and "Reload it in the Installed tab" in reason
