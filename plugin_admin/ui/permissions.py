"""Permissions tab: grant or revoke what a plugin asked for, and see its security level.

Also lists every plugin that cannot be enabled because a permission it asks for is not
granted, with what it needs.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..base import PluginSecurityLevel
from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, fail, keep_choice, ok, plugin_choices

RISK_MARK = {"low": "●○○", "medium": "●●○", "high": "●●●"}
LEVEL_CHOICES = [("as declared / operator minimum", "")] + [
    (level.value, level.value) for level in PluginSecurityLevel
]
BLOCKED_COLUMNS = ["plugin_id", "status", "missing"]


class PermissionsTab:
    """Handlers of the Permissions tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []

    async def choices(self, current: str | None) -> tuple[Any, Any]:
        choices = await plugin_choices(self.manager)
        return gr.update(choices=choices, value=keep_choice(current, choices)), await self.blocked()

    async def open(self, plugin_id: str | None) -> tuple[Any, str, Any]:
        """The checkboxes (label: name, risk, description), the security explanation, the level."""
        if not plugin_id:
            return gr.update(choices=[], value=[]), "_Pick a plugin._", gr.update(value="")
        try:
            answer = await self.manager.get_permissions(plugin_id)
        except PluginError as exc:
            raise fail(exc) from exc
        choices = [(permission_label(item), item["name"]) for item in answer["permissions"]]
        granted = [item["name"] for item in answer["permissions"] if item["granted"]]
        security = answer["security"]
        return (
            gr.update(
                choices=choices,
                value=granted,
                info=None if choices else "This plugin asks for no permissions.",
            ),
            security_markdown(answer),
            gr.update(value=security.get("admin_choice") or ""),
        )

    async def save(
        self, plugin_id: str | None, granted: list[str], request: gr.Request | None = None
    ) -> tuple[Any, str, Any, Any]:
        """Make the plugin's grants exactly the ticked boxes."""
        actor = actor_of(request, self.manager)
        if not plugin_id:
            raise gr.Error("Pick a plugin first.")
        try:
            before = set((await self.manager.get_permissions(plugin_id))["granted"])
            await self.manager.set_permissions(plugin_id, list(granted or []), actor=actor)
        except PluginError as exc:
            raise fail(exc) from exc
        after = set(granted or [])
        changes = [f"granted {p}" for p in sorted(after - before)] + [
            f"revoked {p}" for p in sorted(before - after)
        ]
        ok(f"{plugin_id}: " + (", ".join(changes) if changes else "no change") + ".")
        return (*await self.open(plugin_id), await self.blocked())

    async def set_level(
        self,
        plugin_id: str | None,
        level: str,
        approve: bool,
        request: gr.Request | None = None,
    ) -> tuple[Any, str, Any]:
        """An admin's per-plugin level (takes effect at the next load)."""
        actor = actor_of(request, self.manager)
        if not plugin_id:
            raise gr.Error("Pick a plugin first.")
        try:
            await self.manager.set_security_level(
                plugin_id, level or None, approve_trusted=bool(approve), actor=actor
            )
        except PluginError as exc:
            raise fail(exc) from exc
        ok(f"{plugin_id}: security level choice saved; it applies at the next load.")
        return await self.open(plugin_id)

    async def blocked(self) -> Any:
        """Plugins that cannot be enabled until a permission is granted."""
        rows = []
        for plugin in await self.manager.list_plugins(include_metadata=False):
            if plugin["status"] == "enabled":
                continue
            try:
                missing = (await self.manager.get_permissions(plugin["plugin_id"]))["missing"]
            except PluginError:
                continue
            if missing:
                rows.append(
                    {
                        "plugin_id": plugin["plugin_id"],
                        "status": plugin["status"],
                        "missing": ", ".join(missing),
                    }
                )
        return fmt.frame(rows, BLOCKED_COLUMNS)


def permission_label(item: dict[str, Any]) -> str:
    mark = RISK_MARK.get(item.get("risk", ""), "???")
    return f"{item['name']} — {item.get('risk', '?').upper()} risk {mark} — {item.get('description', '')}"


def security_markdown(answer: dict[str, Any]) -> str:
    security = answer["security"]
    lines = [
        f"**Effective security level: {security['effective']}**"
        + (f" (running as {security['isolation']})" if security.get("isolation") else ""),
        "",
        "Why: " + "; ".join(security["reasons"]) + ".",
    ]
    if answer["missing"]:
        lines += [
            "",
            f"✗ Cannot be enabled until granted: {', '.join(answer['missing'])}.",
        ]
    return "\n".join(lines)


def build(manager: PluginManager) -> PermissionsTab:
    tab = PermissionsTab(manager)
    with gr.Row(equal_height=True):
        plugin = gr.Dropdown([], label="Plugin", scale=3, elem_id="permissions-plugin")
        refresh_btn = gr.Button("Refresh list", size="sm", scale=0)
    with gr.Row():
        with gr.Column(scale=3):
            grants = gr.CheckboxGroup(
                [], label="Requested permissions (ticked = granted)", elem_id="permissions-grants"
            )
            save_btn = gr.Button("Save grants", variant="primary", elem_id="permissions-save")
        with gr.Column(scale=2):
            security = gr.Markdown(elem_id="permissions-security")
            with gr.Accordion("Change this plugin's security level", open=False):
                level = gr.Dropdown(LEVEL_CHOICES, value="", label="Admin choice")
                approve = gr.Checkbox(
                    False, label="Approve 'trusted' (runs in the host process, no isolation)"
                )
                level_btn = gr.Button("Apply level")
    gr.Markdown(
        "#### Plugins blocked by missing grants\n"
        "Plugins listed here cannot be enabled until an admin grants what they ask for."
    )
    blocked = gr.Dataframe(
        headers=BLOCKED_COLUMNS, interactive=False, elem_id="permissions-blocked"
    )
    plugin.change(tab.open, plugin, [grants, security, level])
    refresh_btn.click(tab.choices, plugin, [plugin, blocked])
    save_btn.click(tab.save, [plugin, grants], [grants, security, level, blocked])
    level_btn.click(tab.set_level, [plugin, level, approve], [grants, security, level])
    tab.shown = [(tab.choices, [plugin], [plugin, blocked])]
    return tab
