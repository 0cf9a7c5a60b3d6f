"""Hook console: the plugin developer's playground.

Pick an enabled plugin and a hook (arguments prefilled with the hook's example), run it, and
see the result, the time, what the plugin logged and, on failure, the error and traceback.
Recent calls can be re-run; a call can be saved as a named test case and all cases of a
plugin re-run with pass/fail. Broadcast mode runs a hook on every enabled plugin.
"""

from __future__ import annotations

import json
import time
from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, fail, keep_choice, ok, plugin_choices

ONE, BROADCAST = "One plugin", "Broadcast to every enabled plugin"
HISTORY_SIZE = 20
CALLS = 8  # hook calls that may run at once from the console (all sessions together)
HISTORY_COLUMNS = ["time", "target", "hook", "outcome", "ms"]
CASE_COLUMNS = ["name", "hook_name", "arguments", "created"]
CASE_RESULT_COLUMNS = ["name", "hook_name", "outcome", "execution_time_ms", "error"]
NO_PLUGIN = "_No enabled plugin: load one in the Installed tab, then press Refresh._"


class HookConsoleTab:
    """Handlers of the Hook console tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []

    # ----------------------------------------------------------------------- pickers
    async def plugins(self, current: str | None) -> tuple[Any, str, Any]:
        """Enabled plugins only; Run is disabled (with the reason) when there are none."""
        choices = await plugin_choices(self.manager, status="enabled")
        note = "" if choices else NO_PLUGIN
        return (
            gr.update(choices=choices, value=keep_choice(current, choices)),
            note,
            gr.update(interactive=bool(choices)),
        )

    async def hooks(self, mode: str, plugin_id: str | None, current: str | None) -> Any:
        """The hooks of the chosen plugin (or, in broadcast mode, of every enabled plugin)."""
        names: set[str] = set()
        if mode == BROADCAST:
            for plugin in await self.manager.list_plugins(status="enabled", include_metadata=False):
                names |= set((await self.manager.get_plugin(plugin["plugin_id"]))["hooks"])
        elif plugin_id:
            try:
                names = set((await self.manager.get_plugin(plugin_id))["hooks"])
            except PluginError:
                names = set()
        choices = sorted(names)
        return gr.update(choices=choices, value=keep_choice(current, [(n, n) for n in choices]))

    async def pick_hook(
        self, mode: str, plugin_id: str | None, hook: str | None, request: gr.Request | None = None
    ) -> tuple[str, str, str]:
        """Arguments editor prefilled with the hook's example, its description, and the curl."""
        if not hook:
            return "{}", "", ""
        spec = await self._spec(mode, plugin_id, hook)
        example = spec.get("example") if spec else None
        text = fmt.pretty_json(example if isinstance(example, dict) else {})
        description = f"**{hook}** — {spec.get('description') or ''}" if spec else ""
        if spec and spec.get("parameters", {}).get("required"):
            description += f"  \nRequired: {', '.join(spec['parameters']['required'])}"
        return text, description, self.curl(mode, plugin_id, hook, text, request)

    async def _spec(self, mode: str, plugin_id: str | None, hook: str) -> dict[str, Any] | None:
        ids = [plugin_id] if mode != BROADCAST and plugin_id else []
        if mode == BROADCAST:
            plugins = await self.manager.list_plugins(status="enabled", include_metadata=False)
            ids = [p["plugin_id"] for p in plugins]
        for pid in ids:
            try:
                for spec in (await self.manager.get_plugin(pid))["hook_specs"]:
                    if spec.get("name") == hook:
                        return spec
            except PluginError:
                continue
        return None

    def curl(
        self,
        mode: str,
        plugin_id: str | None,
        hook: str | None,
        args_text: str,
        request: gr.Request | None = None,
    ) -> str:
        """The REST equivalent of the call, ready to paste into a shell."""
        if mode == BROADCAST or not plugin_id or not hook:
            return "# The REST API runs one plugin's hook at a time: pick one plugin."
        try:
            body = json.dumps(json.loads(args_text or "{}"), ensure_ascii=False)
        except json.JSONDecodeError:
            body = args_text or "{}"
        base = _base_url(request, self.manager)
        quoted = body.replace("'", "'\\''")
        return (
            f"curl -X POST '{base}/api/plugins/{plugin_id}/hooks/{hook}' \\\n"
            '  -H "Authorization: Bearer $PLUGIN_API_TOKEN" \\\n'
            '  -H "Content-Type: application/json" \\\n'
            f"  -d '{quoted}'"
        )

    # ------------------------------------------------------------------------- running
    async def run(
        self,
        mode: str,
        plugin_id: str | None,
        hook: str | None,
        args_text: str,
        history: list[dict[str, Any]] | None,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Run the hook; outputs: status, result, logs, error, traceback, broadcast results,
        history, history table, the last call (for saving as a test case)."""
        actor = actor_of(request, self.manager)
        if not hook or (mode != BROADCAST and not plugin_id):
            raise gr.Error("Pick an enabled plugin and one of its hooks first.")
        try:
            arguments = json.loads(args_text or "{}")
        except json.JSONDecodeError as exc:
            raise gr.Error(
                f"The arguments are not valid JSON: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}."
            ) from exc
        if not isinstance(arguments, dict):
            raise gr.Error("The arguments must be a JSON object of the hook's parameters.")
        return await self._call(mode, plugin_id, hook, arguments, history or [], actor)

    async def rerun(
        self,
        history: list[dict[str, Any]] | None,
        index: int | None,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Run the selected history entry again with the same arguments."""
        actor = actor_of(request, self.manager)
        history = history or []
        if index is None or not 0 <= index < len(history):
            raise gr.Error("Select a call in the history table first.")
        entry = history[index]
        return await self._call(
            entry["mode"],
            entry["plugin_id"],
            entry["hook_name"],
            entry["arguments"],
            history,
            actor,
        )

    async def _call(
        self,
        mode: str,
        plugin_id: str | None,
        hook: str,
        arguments: dict[str, Any],
        history: list[dict[str, Any]],
        actor: str,
    ) -> tuple[Any, ...]:
        entry = {
            "time": time.strftime("%H:%M:%S"),
            "mode": mode,
            "plugin_id": plugin_id,
            "hook_name": hook,
            "arguments": arguments,
        }
        if mode == BROADCAST:
            try:
                outcomes = await self.manager.broadcast_hook(hook, arguments, actor=actor)
            except PluginError as exc:
                raise fail(exc) from exc
            failed = sum(not o["ok"] for o in outcomes)
            status = (
                f"**{hook}** ran on {len(outcomes)} plugin(s): "
                f"{len(outcomes) - failed} ok, {failed} failed."
            )
            if not outcomes:
                status = f"No enabled plugin declares **{hook}**."
            entry.update(ok=failed == 0, ms=None, target="all enabled")
            history = [entry, *history][:HISTORY_SIZE]
            return (
                status,
                {o["plugin_id"]: o.get("result") for o in outcomes if o["ok"]},
                "",
                "",
                gr.update(visible=False, value=""),
                outcomes,
                history,
                history_frame(history),
                None,
            )
        answer = await self.manager.console_call(plugin_id, hook, arguments, actor=actor)
        ms = answer.get("execution_time_ms")
        entry.update(ok=answer["ok"], ms=ms, target=plugin_id)
        history = [entry, *history][:HISTORY_SIZE]
        logs = "\n".join(answer.get("logs") or []) or "(the plugin logged nothing)"
        if answer["ok"]:
            status = f"✓ **{hook}** on `{plugin_id}` · **{ms:.2f} ms**"
            last = {**entry, "result": answer["result"]}
            return (
                status,
                answer["result"],
                logs,
                "",
                gr.update(visible=False, value=""),
                [],
                history,
                history_frame(history),
                last,
            )
        error = f"✗ **{answer.get('error_type', 'Error')}:** {answer.get('error')}"
        if answer.get("errors"):
            error += "\n" + fmt.errors_markdown(answer["errors"])
        trace = answer.get("traceback")
        return (
            f"✗ **{hook}** on `{plugin_id}` failed" + (f" after {ms:.2f} ms" if ms else ""),
            None,
            logs,
            error,
            gr.update(visible=bool(trace), value=trace or ""),
            [],
            history,
            history_frame(history),
            None,
        )

    def mode_changed(self, mode: str) -> tuple[Any, str]:
        """Broadcast ignores the plugin picker: disable it and say why."""
        if mode == BROADCAST:
            return gr.update(interactive=False), (
                "Broadcast runs the hook on every enabled plugin that declares it; "
                "the plugin picker is not used."
            )
        return gr.update(interactive=True), ""

    def pick_history(self, evt: gr.SelectData) -> int | None:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        return int(index) if index is not None else None

    # ---------------------------------------------------------------------- test cases
    async def cases(self, plugin_id: str | None) -> Any:
        if not plugin_id:
            return fmt.frame([], CASE_COLUMNS)
        try:
            cases = await self.manager.list_test_cases(plugin_id)
        except PluginError:
            cases = []
        return fmt.frame(
            [{**c, "created": fmt.when(c.get("created_at"))} for c in cases], CASE_COLUMNS
        )

    async def save_case(
        self, name: str, last: dict[str, Any] | None, request: gr.Request | None = None
    ) -> tuple[Any, str]:
        """Store the last successful single-plugin call, its result as the expected one."""
        actor = actor_of(request, self.manager)
        if not last:
            raise gr.Error("Run a hook on one plugin successfully first; then save that call.")
        if not (name or "").strip():
            raise gr.Error("Give the test case a name.")
        try:
            await self.manager.save_test_case(
                last["plugin_id"],
                name.strip(),
                last["hook_name"],
                last["arguments"],
                last["result"],
                actor=actor,
            )
        except PluginError as exc:
            raise fail(exc) from exc
        ok(f"Test case {name.strip()!r} saved for {last['plugin_id']}.")
        return await self.cases(last["plugin_id"]), ""

    async def run_cases(
        self, plugin_id: str | None, request: gr.Request | None = None
    ) -> tuple[Any, str]:
        """Re-run every saved case of the plugin; a table of pass/fail."""
        actor = actor_of(request, self.manager)
        if not plugin_id:
            raise gr.Error("Pick a plugin first.")
        try:
            results = await self.manager.run_test_cases(plugin_id, actor=actor)
        except PluginError as exc:
            raise fail(exc) from exc
        if not results:
            return fmt.frame([], CASE_RESULT_COLUMNS), "_No saved test case for this plugin._"
        passed = sum(r["passed"] for r in results)
        rows = [{**r, "outcome": "✓ pass" if r["passed"] else "✗ fail"} for r in results]
        summary = f"**{passed}/{len(results)} passed**"
        (ok if passed == len(results) else gr.Warning)(
            f"{plugin_id}: {passed}/{len(results)} test cases passed."
        )
        return fmt.frame(rows, CASE_RESULT_COLUMNS), summary

    def pick_case(self, evt: gr.SelectData) -> str | None:
        row = evt.row_value or []
        return row[0] if row else None

    async def delete_case(
        self, plugin_id: str | None, name: str | None, request: gr.Request | None = None
    ) -> Any:
        actor = actor_of(request, self.manager)
        if not plugin_id or not name:
            raise gr.Error("Select a saved test case first.")
        try:
            await self.manager.delete_test_case(plugin_id, name, actor=actor)
        except PluginError as exc:
            raise fail(exc) from exc
        ok(f"Test case {name!r} deleted.")
        return await self.cases(plugin_id)


def history_frame(history: list[dict[str, Any]]) -> Any:
    rows = [
        {
            "time": e["time"],
            "target": e.get("target") or e.get("plugin_id"),
            "hook": e["hook_name"],
            "outcome": "✓ ok" if e.get("ok") else "✗ failed",
            "ms": "" if e.get("ms") is None else round(e["ms"], 2),
        }
        for e in history
    ]
    return fmt.frame(rows, HISTORY_COLUMNS)


def _base_url(request: gr.Request | None, manager: PluginManager) -> str:
    headers = getattr(request, "headers", None) if request is not None else None
    host = headers.get("host") if headers else None
    if host:
        return f"http://{host}"
    return f"http://{manager.settings.plugin_admin_host}:{manager.settings.plugin_admin_port}"


def build(manager: PluginManager) -> HookConsoleTab:
    tab = HookConsoleTab(manager)
    with gr.Row(equal_height=True):
        mode = gr.Radio([ONE, BROADCAST], value=ONE, label="Mode", scale=2)
        plugin = gr.Dropdown([], label="Enabled plugin", scale=2, elem_id="console-plugin")
        hook = gr.Dropdown([], label="Hook", scale=2, elem_id="console-hook")
        refresh_btn = gr.Button("Refresh", size="sm", scale=0)
    note = gr.Markdown(elem_classes=["reasons"])
    description = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=1):
            args = gr.Code(
                language="json", label="Arguments (JSON)", lines=10, elem_id="console-args"
            )
            run_btn = gr.Button("Run", variant="primary", elem_id="console-run")
            curl = gr.Code(
                language="shell",
                label="Copy as curl",
                lines=4,
                interactive=False,
                elem_id="console-curl",
            )
        with gr.Column(scale=1):
            status = gr.Markdown(elem_id="console-status")
            result = gr.JSON(label="Result", elem_id="console-result")
            error = gr.Markdown(elem_id="console-error")
            trace = gr.Code(language="python", label="Traceback", visible=False, interactive=False)
            logs = gr.Code(
                language=None, label="Plugin log during the call", lines=4, interactive=False
            )
    broadcast = gr.State([])

    @gr.render(inputs=broadcast)
    def broadcast_results(outcomes: list[dict[str, Any]]) -> None:
        """One panel per plugin in broadcast mode (the number of plugins varies)."""
        for outcome in outcomes or []:
            ms = outcome.get("execution_time_ms")
            title = f"{'✓' if outcome['ok'] else '✗'} {outcome['plugin_id']}" + (
                f" · {ms:.2f} ms" if ms is not None else ""
            )
            with gr.Accordion(title, open=not outcome["ok"]):
                if outcome["ok"]:
                    gr.JSON(outcome.get("result"), show_label=False)
                else:
                    gr.Markdown(f"**{outcome.get('error_type')}:** {outcome.get('error')}")

    history = gr.State([])
    last_call = gr.State(None)
    history_index = gr.State(None)
    with gr.Row():
        with gr.Column():
            gr.Markdown("#### Recent calls (click one, then Re-run)")
            history_table = gr.Dataframe(
                headers=HISTORY_COLUMNS, interactive=False, elem_id="console-history"
            )
            rerun_btn = gr.Button("Re-run selected call")
        with gr.Column():
            gr.Markdown("#### Saved test cases of this plugin")
            with gr.Row(equal_height=True):
                case_name = gr.Textbox(label="Test case name", scale=3, elem_id="console-case-name")
                save_case_btn = gr.Button("Save last call as test case", scale=1)
            cases_table = gr.Dataframe(
                headers=CASE_COLUMNS, interactive=False, elem_id="console-cases"
            )
            with gr.Row():
                run_cases_btn = gr.Button("Re-run all test cases", variant="primary")
                delete_case_btn = gr.Button("Delete selected case", variant="stop")
            case_summary = gr.Markdown(elem_id="console-case-summary")
            case_results = gr.Dataframe(
                headers=CASE_RESULT_COLUMNS, interactive=False, elem_id="console-case-results"
            )
    selected_case = gr.State(None)

    run_outputs = [status, result, logs, error, trace, broadcast, history, history_table, last_call]
    refresh = refresh_btn.click(tab.plugins, plugin, [plugin, note, run_btn])
    refresh.then(tab.hooks, [mode, plugin, hook], hook)
    mode.change(tab.mode_changed, mode, [plugin, note])
    mode.change(tab.hooks, [mode, plugin, hook], hook).then(
        tab.pick_hook, [mode, plugin, hook], [args, description, curl]
    )
    plugin.change(tab.hooks, [mode, plugin, hook], hook).then(tab.cases, plugin, cases_table)
    hook.change(tab.pick_hook, [mode, plugin, hook], [args, description, curl])
    args.change(tab.curl, [mode, plugin, hook, args], curl, trigger_mode="always_last")
    # Slow hooks must not queue other sessions' calls behind them (the manager bounds the time).
    run_btn.click(
        tab.run, [mode, plugin, hook, args, history], run_outputs, concurrency_limit=CALLS
    )
    history_table.select(tab.pick_history, None, history_index)
    rerun_btn.click(tab.rerun, [history, history_index], run_outputs, concurrency_limit=CALLS)
    save_case_btn.click(tab.save_case, [case_name, last_call], [cases_table, case_name])
    run_cases_btn.click(
        tab.run_cases, plugin, [case_results, case_summary], concurrency_limit=CALLS
    )
    cases_table.select(tab.pick_case, None, selected_case)
    delete_case_btn.click(tab.delete_case, [plugin, selected_case], cases_table)
    tab.shown = [(tab.plugins, [plugin], [plugin, note, run_btn])]
    return tab
