"""Installed tab: every plugin in a searchable table, a details panel, and its actions.

Actions that the plugin's status does not allow are disabled with the reason shown beside
them (rather than failing after the click); each action is one manager call.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, ok, warn

STATUS_FILTERS = ["all", "enabled", "installed", "disabled", "error"]
ACTIONS = ["load", "unload", "reload", "update", "rollback", "uninstall"]
NO_SELECTION = "_Select a plugin in the table to see its details and actions._"


class InstalledTab:
    """Handlers of the Installed tab (plain async methods, unit-tested without a browser)."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []  # events to run when the tab is shown

    # ---------------------------------------------------------------------------- views
    async def refresh(self, query: str = "", status: str = "all") -> tuple[str, Any]:
        """Summary counts and the (filtered) table."""
        plugins = await self.manager.list_plugins(include_metadata=False)
        updates = await self._updates()
        plugins = [{**p, "update_available": updates.get(p["plugin_id"])} for p in plugins]
        counts = fmt.status_counts(plugins)
        parts = [f"**{len(plugins)}** plugin{'s' if len(plugins) != 1 else ''}"] + [
            f"**{counts.get(s, 0)}** {s}" for s in STATUS_FILTERS[1:]
        ]
        summary = " · ".join(parts)
        if self.manager.safe_mode_reason:
            summary += f"\n\n⚠ **Safe mode:** {self.manager.safe_mode_reason}"
        return summary, fmt.plugins_frame(fmt.filter_plugins(plugins, query, status))

    async def select(self, evt: gr.SelectData) -> tuple[Any, ...]:
        """A table row was clicked: remember its id and show its panel."""
        row = evt.row_value or []
        plugin_id = row[fmt.PLUGIN_COLUMNS.index("ID")] if len(row) > 1 else None
        return (plugin_id, *await self.panel(plugin_id))

    async def panel(self, plugin_id: str | None) -> tuple[Any, ...]:
        """Details Markdown, version choices, each action button, and why some are disabled."""
        if not plugin_id:
            return (
                NO_SELECTION,
                gr.update(choices=[], value=None),
                *[gr.update(interactive=False) for _ in ACTIONS],
                "",
            )
        try:
            details = await self.manager.get_plugin(plugin_id)
        except PluginError as exc:
            return (
                f"⚠ {exc.message}",
                gr.update(choices=[], value=None),
                *[gr.update(interactive=False) for _ in ACTIONS],
                "",
            )
        versions = await self._previous_versions(plugin_id)
        details = {**details, "update_available": (await self._updates()).get(plugin_id)}
        allowed = self.allowed_actions(details, versions)
        reasons = [f"- **{name}**: {why}" for name, why in allowed.items() if why]
        return (
            details_markdown(details),
            gr.update(choices=versions, value=versions[0] if versions else None),
            *[gr.update(interactive=allowed[name] is None) for name in ACTIONS],
            "\n".join(reasons),
        )

    async def _previous_versions(self, plugin_id: str) -> list[str]:
        """Versions kept on disk that Roll back can return to (newest first)."""
        try:
            answer = await self.manager.list_versions(plugin_id)
        except PluginError:
            return []
        return [str(v) for v in answer.get("available_for_rollback") or []]

    async def _updates(self) -> dict[str, str]:
        """plugin_id → newer marketplace version (empty when the marketplace cannot say)."""
        try:
            found = await self.manager.check_for_updates()
        except PluginError:
            return {}
        return {u["plugin_id"]: u["latest_version"] for u in found}

    def allowed_actions(
        self, details: dict[str, Any], versions: list[str]
    ) -> dict[str, str | None]:
        """Each action → None when allowed, else the reason it is not (shown to the user)."""
        status = details["status"]
        missing = details["permissions"]["missing"]
        broken = details.get("manifest") is None
        load_reason: str | None = None
        if status == "enabled":
            load_reason = "already enabled (use Reload to restart it)"
        elif broken:
            load_reason = f"its folder cannot be read: {details.get('last_error')}"
        elif missing:
            load_reason = f"grant {', '.join(missing)} in the Permissions tab first"
        reload_reason = None if status == "enabled" else load_reason
        if broken:
            reload_reason = None  # reload re-reads the folder: the way out after a fix
        update_reason: str | None = None
        if not details.get("update_available"):
            update_reason = "no newer version in the marketplace"
        rollback_reason: str | None = None
        if not versions:
            rollback_reason = "no previous version is kept"
        return {
            "load": load_reason,
            "unload": None if status == "enabled" else f"it is {status}, not running",
            "reload": reload_reason,
            "update": update_reason,
            "rollback": rollback_reason,
            "uninstall": None,
        }

    # -------------------------------------------------------------------------- actions
    async def act(
        self,
        action: str,
        plugin_id: str | None,
        version: str | None,
        keep_data: bool,
        query: str,
        status: str,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Run one action on the selected plugin, then refresh the table and the panel."""
        if not plugin_id:
            raise gr.Error("Select a plugin in the table first.")
        actor = actor_of(request, self.manager)
        try:
            message = await self._run(action, plugin_id, version, keep_data, actor)
            ok(message)
        except PluginError as exc:
            warn(exc)
        summary, table = await self.refresh(query, status)
        still_there = plugin_id in self.manager.plugin_ids()
        selected = plugin_id if still_there else None
        return (summary, table, selected, *await self.panel(selected))

    async def _run(
        self, action: str, plugin_id: str, version: str | None, keep_data: bool, actor: str
    ) -> str:
        m = self.manager
        if action == "load":
            answer = await m.load_plugin(plugin_id, actor=actor)
            return f"{plugin_id} is enabled ({answer['security_level']})."
        if action == "unload":
            await m.unload_plugin(plugin_id, actor=actor)
            return f"{plugin_id} is unloaded."
        if action == "reload":
            await m.reload_plugin(plugin_id, actor=actor)
            return f"{plugin_id} was reloaded from its folder."
        if action == "update":
            answer = await m.update_plugin(plugin_id, actor=actor)
            return f"{plugin_id} updated to {_version_of(answer)}."
        if action == "rollback":
            answer = await m.rollback_plugin(plugin_id, version or None, actor=actor)
            return f"{plugin_id} rolled back to {_version_of(answer) or version}."
        if action == "uninstall":
            await m.uninstall_plugin(plugin_id, keep_data=bool(keep_data), actor=actor)
            kept = "its data and settings are kept" if keep_data else "its data was deleted"
            return f"{plugin_id} is uninstalled; {kept}."
        raise gr.Error(f"Unknown action {action!r}.")

    async def check_updates(self, query: str, status: str) -> tuple[str, Any]:
        """Ask the marketplace for newer versions, then redraw the table."""
        try:
            found = await self.manager.check_for_updates()
        except PluginError as exc:
            warn(exc)
        else:
            names = ", ".join(f"{u['plugin_id']} → {u['latest_version']}" for u in found)
            ok(f"Updates available: {names}." if found else "Every plugin is up to date.")
        return await self.refresh(query, status)


def _version_of(answer: Any) -> str:
    return str(answer.get("version", "")) if isinstance(answer, dict) else ""


def details_markdown(details: dict[str, Any]) -> str:
    """The details panel: metadata, security, permissions, hooks and the last error."""
    meta = details.get("metadata") or {}
    perms = details["permissions"]
    security = details["security"]
    facts = [
        f"**Status:** {details['status']} · **Health:** {details.get('health', '')}"
        + (f" · loaded {fmt.time_ago(details['loaded_at'])}" if details.get("loaded_at") else ""),
        f"**Author:** {details.get('author') or '?'} · **License:** {meta.get('license', '?')}"
        + (f" · [homepage]({meta['homepage']})" if meta.get("homepage") else ""),
        f"**Security:** {security['effective']} ({'; '.join(security['reasons'])})",
        f"**Installed:** {fmt.when(details.get('installed_at'))} from "
        f"`{(details.get('provenance') or {}).get('source', '?')}`",
        f"**Folder:** `{details.get('path')}`",
        f"**Data:** `{details.get('data_dir')}`",
    ]
    lines = [
        f"### {details['name']} `{details['plugin_id']}` · v{details.get('version') or '?'}",
        details.get("description") or "",
        "",
        "  \n".join(facts),
    ]
    if details.get("update_available"):
        lines.append(f"**Update available:** {details['update_available']}")
    if details.get("last_error"):
        lines += ["", f"> ⚠ **Last error:** {details['last_error']}"]
    lines += ["", "#### Permissions"]
    for item in perms["catalogue"]:
        mark = "✓ granted" if item["name"] in perms["granted"] else "✗ not granted"
        lines.append(f"- `{item['name']}` ({item['risk']} risk) — {item['description']} · {mark}")
    if not perms["catalogue"]:
        lines.append("_No permissions requested._")
    lines += ["", "#### Hooks"]
    for spec in details.get("hook_specs") or []:
        lines.append(f"- **`{spec.get('name')}`** — {spec.get('description') or ''}")
    if not details.get("hook_specs"):
        lines.append("_No hooks declared._")
    return "\n".join(lines)


def build(manager: PluginManager) -> InstalledTab:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    tab = InstalledTab(manager)
    summary = gr.Markdown(elem_id="installed-summary")
    with gr.Row(equal_height=True):
        query = gr.Textbox(
            label="Search", placeholder="name, id, tag…", scale=3, elem_id="installed-search"
        )
        status = gr.Dropdown(STATUS_FILTERS, value="all", label="Status", scale=1)
        refresh_btn = gr.Button("Refresh", scale=0, size="sm")
        updates_btn = gr.Button("Check for updates", scale=0, size="sm")
    table = gr.Dataframe(
        headers=fmt.PLUGIN_COLUMNS,
        interactive=False,
        elem_id="installed-table",
        label="Plugins (click a row for details)",
        wrap=True,
        column_widths=["14%", "16%", "7%", "8%", "9%", "8%", "22%", "8%", "8%"],
    )
    selected = gr.State(None)
    with gr.Row():
        with gr.Column(scale=3):
            details = gr.Markdown(NO_SELECTION, elem_id="installed-details")
            with gr.Accordion("Hook schemas and examples", open=False):
                hooks_view = gr.JSON(label="Hooks", visible=False)
        with gr.Column(scale=2, elem_classes=["action-panel"]):
            gr.Markdown("#### Actions")
            with gr.Row():
                buttons = {
                    "load": gr.Button("Load", variant="primary", interactive=False),
                    "unload": gr.Button("Unload", interactive=False),
                    "reload": gr.Button("Reload", interactive=False),
                }
            with gr.Row():
                buttons["update"] = gr.Button("Update", interactive=False)
                version = gr.Dropdown([], label="Roll back to", scale=1)
                buttons["rollback"] = gr.Button("Roll back", interactive=False)
            with gr.Row():
                keep_data = gr.Checkbox(True, label="Keep data and settings when uninstalling")
                buttons["uninstall"] = gr.Button("Uninstall", variant="stop", interactive=False)
            reasons = gr.Markdown(elem_id="installed-reasons", elem_classes=["reasons"])

    panel_outputs = [details, version, *[buttons[a] for a in ACTIONS], reasons]
    listing = [summary, table]
    filters = [query, status]

    query.change(tab.refresh, filters, listing, trigger_mode="always_last")
    status.change(tab.refresh, filters, listing)
    refresh_btn.click(tab.refresh, filters, listing)
    updates_btn.click(tab.check_updates, filters, listing)
    table.select(tab.select, None, [selected, *panel_outputs])

    async def hook_specs(plugin_id: str | None) -> Any:
        if not plugin_id:
            return gr.update(visible=False, value=None)
        try:
            specs = (await manager.get_plugin(plugin_id)).get("hook_specs") or []
        except PluginError:
            specs = []
        return gr.update(visible=bool(specs), value={s["name"]: s for s in specs})

    selected.change(hook_specs, selected, hooks_view)
    for action in ACTIONS:

        async def run(
            plugin_id: str | None,
            chosen_version: str | None,
            keep: bool,
            q: str,
            s: str,
            request: gr.Request,
            _action: str = action,
        ) -> tuple[Any, ...]:
            return await tab.act(_action, plugin_id, chosen_version, keep, q, s, request)

        buttons[action].click(
            run,
            [selected, version, keep_data, query, status],
            [*listing, selected, *panel_outputs],
            concurrency_limit=None,
        )
    tab.shown = [(tab.refresh, filters, listing), (tab.panel, [selected], panel_outputs)]
    return tab
