"""Hook console: run, failures with traceback, history re-run, test cases, curl, broadcast."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from plugin_admin.ui.hook_console import BROADCAST, NO_PLUGIN, ONE, HookConsoleTab
from tests.ui.conftest import FakeRequest, select, warning_toast


@pytest.fixture
async def tab(echo_plugin, make_plugin, start_manager) -> HookConsoleTab:
    echo_plugin("alpha_plugin")
    echo_plugin("beta_plugin")
    make_plugin("idle_plugin")
    manager = await start_manager()
    await manager.load_plugin("alpha_plugin")
    await manager.load_plugin("beta_plugin")
    return HookConsoleTab(manager)


async def test_only_enabled_plugins_are_offered_and_run_is_disabled_without_one(tab) -> None:
    picker, note, run = await tab.plugins(None)
    assert [value for _, value in picker["choices"]] == ["alpha_plugin", "beta_plugin"]
    assert picker["value"] == "alpha_plugin" and note == "" and run["interactive"] is True
    for plugin_id in ("alpha_plugin", "beta_plugin"):
        await tab.manager.unload_plugin(plugin_id)
    picker, note, run = await tab.plugins("alpha_plugin")
    assert picker["choices"] == [] and note == NO_PLUGIN and run["interactive"] is False


async def test_picking_a_hook_prefills_its_example_and_the_curl_command(tab) -> None:
    hooks = await tab.hooks(ONE, "alpha_plugin", None)
    assert hooks["choices"] == ["boom", "echo"]
    args, description, curl = await tab.pick_hook(ONE, "alpha_plugin", "echo", FakeRequest())
    assert json.loads(args) == {"text": "hello"}
    assert "Return the arguments" in description and "Required: text" in description
    assert "curl -X POST 'http://console.test:7860/api/plugins/alpha_plugin/hooks/echo'" in curl
    assert "Authorization: Bearer $PLUGIN_API_TOKEN" in curl
    assert """-d '{"text": "hello"}'""" in curl
    quoted = tab.curl(ONE, "alpha_plugin", "echo", '{"text": "it\'s"}', None)
    assert "-d '{\"text\": \"it'\\''s\"}'" in quoted


async def test_run_shows_result_time_and_what_the_plugin_logged(tab) -> None:
    status, result, logs, error, trace, _, history, table, last = await tab.run(
        ONE, "alpha_plugin", "echo", '{"text": "hi"}', [], FakeRequest()
    )
    assert status.startswith("✓ **echo** on `alpha_plugin` · **") and " ms**" in status
    assert result == {"echo": {"text": "hi"}}
    assert "echoing {'text': 'hi'}" in logs and error == "" and trace["visible"] is False
    assert len(history) == 1 and table.iloc[0]["outcome"] == "✓ ok"
    assert last["result"] == {"echo": {"text": "hi"}} and last["arguments"] == {"text": "hi"}


async def test_a_failing_hook_shows_the_error_and_the_traceback(tab) -> None:
    status, result, _, error, trace, _, history, _, last = await tab.run(
        ONE, "alpha_plugin", "boom", "{}", [], None
    )
    assert "✗ **boom** on `alpha_plugin` failed" in status and result is None
    assert "kaboom from the plugin" in error
    assert trace["visible"] is True and "RuntimeError" in trace["value"]
    assert history[0]["ok"] is False and last is None


async def test_bad_arguments_are_refused_before_the_call(tab) -> None:
    with pytest.raises(gr.Error, match="not valid JSON"):
        await tab.run(ONE, "alpha_plugin", "echo", "{oops", [], None)
    status, *_ = await tab.run(ONE, "alpha_plugin", "echo", "{}", [], None)
    assert "failed" in status  # "text" is required by the hook's schema


async def test_a_history_entry_is_re_run_with_the_same_arguments(tab) -> None:
    *_, history, _, _ = await tab.run(ONE, "alpha_plugin", "echo", '{"text": "one"}', [], None)
    *_, history, _, _ = await tab.run(ONE, "beta_plugin", "echo", '{"text": "two"}', history, None)
    index = tab.pick_history(select(["t", "alpha_plugin"], index=1))
    status, result, *_, history, table, _ = await tab.rerun(history, index, None)
    assert "`alpha_plugin`" in status and result == {"echo": {"text": "one"}}
    assert list(table["target"]) == ["alpha_plugin", "beta_plugin", "alpha_plugin"]


async def test_save_a_call_as_a_test_case_and_re_run_all_with_pass_fail(tab, capsys) -> None:
    *_, last = await tab.run(ONE, "alpha_plugin", "echo", '{"text": "hi"}', [], None)
    cases, name = await tab.save_case("echo hi", last, FakeRequest())
    assert list(cases["name"]) == ["echo hi"] and name == ""
    results, summary = await tab.run_cases("alpha_plugin", None)
    assert summary == "**1/1 passed**" and results.iloc[0]["outcome"] == "✓ pass"
    assert "1/1 test cases passed" in capsys.readouterr().out

    await tab.manager.save_test_case("alpha_plugin", "wrong", "echo", {"text": "x"}, {"no": 1})
    with warning_toast("1/2 test cases passed"):
        results, summary = await tab.run_cases("alpha_plugin", None)
    assert summary == "**1/2 passed**"
    assert dict(zip(results["name"], results["outcome"], strict=True))["wrong"] == "✗ fail"
    cases = await tab.delete_case("alpha_plugin", tab.pick_case(select(["wrong"])), None)
    assert list(cases["name"]) == ["echo hi"]


async def test_saving_needs_a_successful_call_and_a_name(tab) -> None:
    with pytest.raises(gr.Error, match="Run a hook"):
        await tab.save_case("x", None, None)
    *_, last = await tab.run(ONE, "alpha_plugin", "echo", '{"text": "hi"}', [], None)
    with pytest.raises(gr.Error, match="name"):
        await tab.save_case("  ", last, None)


async def test_broadcast_runs_the_hook_on_every_enabled_plugin(tab) -> None:
    picker, note = tab.mode_changed(BROADCAST)
    assert picker["interactive"] is False and "plugin picker is not used" in note
    assert tab.mode_changed(ONE)[0]["interactive"] is True
    hooks = await tab.hooks(BROADCAST, None, None)
    assert hooks["choices"] == ["boom", "echo"]
    status, result, _, _, _, outcomes, history, _, last = await tab.run(
        BROADCAST, None, "echo", '{"text": "all"}', [], None
    )
    assert "ran on 2 plugin(s): 2 ok, 0 failed" in status
    assert result == {p: {"echo": {"text": "all"}} for p in ("alpha_plugin", "beta_plugin")}
    assert [o["plugin_id"] for o in outcomes] == ["alpha_plugin", "beta_plugin"]
    assert history[0]["target"] == "all enabled" and last is None
    assert "pick one plugin" in tab.curl(BROADCAST, None, "echo", "{}", None)
