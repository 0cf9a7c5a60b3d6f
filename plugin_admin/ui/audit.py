"""Audit log tab: who did what to which plugin, filtered, and exported as CSV."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from ..manager import PluginManager
from . import formatting as fmt
from .common import keep_choice

ANY = "any"
EXPORT_TTL_SECONDS = 600
OUTCOMES = [ANY, "success", "error", "refused", "timeout"]
ACTIONS = [
    ANY,
    "installed",
    "install",
    "uninstall",
    "update",
    "rollback",
    "load",
    "unload",
    "reload",
    "config_update",
    "permission_grant",
    "permission_revoke",
    "security_level",
    "hook_call",
    "test_case_saved",
    "circuit_open",
    "manager_started",
]


class AuditTab:
    """Handlers of the Audit log tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []
        self._export_dir = Path(tempfile.mkdtemp(prefix="plugin-admin-audit-"))

    def plugin_filter(self, current: str | None) -> Any:
        choices = [(ANY, ANY)] + [(pid, pid) for pid in self.manager.plugin_ids()]
        return gr.update(choices=choices, value=keep_choice(current, choices) or ANY)

    def events(
        self,
        plugin_id: str | None,
        action: str | None,
        actor: str | None,
        outcome: str | None,
        since: float | None,
        until: float | None,
        limit: float | None,
    ) -> list[dict[str, Any]]:
        return self.manager.audit_log(
            plugin_id=_value(plugin_id),
            action=_value(action),
            actor=(actor or "").strip() or None,
            outcome=_value(outcome),
            since=float(since) if since else None,
            until=float(until) if until else None,
            limit=int(limit or 500),
        )

    async def search(self, *filters: Any) -> tuple[Any, str, Any]:
        """The table, a count line, and the CSV of exactly what is shown (for download)."""
        events = self.events(*filters)
        table = fmt.audit_frame(events)
        for old in self._export_dir.glob("*.csv"):  # Gradio has copied them by now
            if time.time() - old.stat().st_mtime > EXPORT_TTL_SECONDS:
                old.unlink(missing_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self._export_dir / f"audit-{stamp}-{uuid.uuid4().hex[:6]}.csv"
        table.to_csv(path, index=False)
        count = f"**{len(events)}** event(s), newest first."
        return table, count, gr.update(value=str(path), interactive=bool(events))


def _value(choice: str | None) -> str | None:
    return None if choice in (None, "", ANY) else choice


def build(manager: PluginManager) -> AuditTab:
    tab = AuditTab(manager)
    with gr.Row(equal_height=True):
        plugin = gr.Dropdown([ANY], value=ANY, label="Plugin", allow_custom_value=True)
        action = gr.Dropdown(ACTIONS, value=ANY, label="Action", allow_custom_value=True)
        actor = gr.Textbox(label="Actor", placeholder="any")
        outcome = gr.Dropdown(OUTCOMES, value=ANY, label="Outcome")
    with gr.Row(equal_height=True):
        since = gr.DateTime(label="From", type="timestamp")
        until = gr.DateTime(label="Until", type="timestamp")
        limit = gr.Number(500, label="At most", precision=0, minimum=1, maximum=100000)
        apply_btn = gr.Button("Apply filters", variant="primary", scale=0)
    count = gr.Markdown()
    table = gr.Dataframe(
        headers=fmt.AUDIT_COLUMNS, interactive=False, wrap=True, elem_id="audit-table"
    )
    export = gr.DownloadButton("Export CSV", interactive=False, elem_id="audit-export")
    filters = [plugin, action, actor, outcome, since, until, limit]
    outputs = [table, count, export]
    apply_btn.click(tab.search, filters, outputs)
    for control in (plugin, action, outcome):
        control.change(tab.search, filters, outputs)
    actor.submit(tab.search, filters, outputs)
    tab.shown = [(tab.plugin_filter, [plugin], [plugin]), (tab.search, filters, outputs)]
    return tab
