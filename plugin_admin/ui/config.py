"""Configuration tab: a JSON editor for one plugin's config, checked against its schema.

The text being edited is never replaced by a failed Validate or Save: errors are listed by
JSON path beside it. Secret fields (``writeOnly`` / ``format: password``) are shown masked;
a masked value left untouched keeps the stored secret on Save.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from ..errors import InvalidConfigError, PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, fail, keep_choice, ok, plugin_choices, warn

NO_CHANGES = "_No changes: Save would leave the configuration as it is._"


class ConfigTab:
    """Handlers of the Configuration tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []

    async def choices(self, current: str | None) -> Any:
        choices = await plugin_choices(self.manager)
        return gr.update(choices=choices, value=keep_choice(current, choices))

    async def open(self, plugin_id: str | None) -> tuple[Any, ...]:
        """Editor text (masked), schema, field summary; errors and diff cleared."""
        if not plugin_id:
            return "", None, "_Pick a plugin._", "", ""
        try:
            details = await self.manager.get_plugin(plugin_id)
        except PluginError as exc:
            raise fail(exc) from exc
        if details.get("config_schema") is None and details.get("manifest") is None:
            message = f"⚠ {details.get('last_error') or 'This plugin cannot be read.'}"
            return "", None, message, "", ""
        schema = details.get("config_schema") or {}
        text = fmt.pretty_json(fmt.mask_secrets(details["config"], schema))
        return text, schema, fmt.schema_summary(schema), "", ""

    async def availability(self, plugin_id: str | None) -> tuple[Any, ...]:
        """Validate/Save/Reset/Revert enabled only when there is a readable plugin; else why."""
        reason = ""
        if not plugin_id:
            reason = "Pick a plugin to edit its configuration."
        else:
            try:
                details = await self.manager.get_plugin(plugin_id)
            except PluginError as exc:
                reason = exc.message
            else:
                if details.get("manifest") is None:
                    reason = (
                        f"Its folder cannot be read ({details.get('last_error')}); fix it and "
                        "Reload it in the Installed tab before editing its configuration."
                    )
        enabled = not reason
        return (*[gr.update(interactive=enabled) for _ in range(4)], reason)

    async def _parse(self, plugin_id: str | None, text: str) -> tuple[dict[str, Any], Any, Any]:
        """(stored config, schema, edited config with secrets restored) or a gr.Error."""
        if not plugin_id:
            raise gr.Error("Pick a plugin first.")
        try:
            details = await self.manager.get_plugin(plugin_id)
        except PluginError as exc:
            raise fail(exc) from exc
        try:
            edited = json.loads(text or "")
        except json.JSONDecodeError as exc:
            raise JsonTextError(exc) from exc
        schema = details.get("config_schema") or {}
        return (
            details["config"] or {},
            schema,
            fmt.unmask_secrets(edited, details["config"], schema),
        )

    async def validate(self, plugin_id: str | None, text: str) -> tuple[str, str]:
        """Errors by JSON path (or a confirmation) and the diff Save would apply."""
        try:
            stored, schema, edited = await self._parse(plugin_id, text)
        except JsonTextError as exc:
            return exc.markdown, ""
        answer = self.manager.validate_config(plugin_id, edited)
        if not answer["valid"]:
            return "✗ **Not valid:**\n" + fmt.errors_markdown(answer["errors"]), ""
        return "✓ Valid.", diff_markdown(stored, answer["config"], schema)

    async def save(
        self, plugin_id: str | None, text: str, request: gr.Request | None = None
    ) -> tuple[Any, str, str]:
        """Store the edited config; on failure the editor keeps its text and errors are listed."""
        actor = actor_of(request, self.manager)
        try:
            stored, schema, edited = await self._parse(plugin_id, text)
        except JsonTextError as exc:
            warn("Not saved: the text is not valid JSON. The stored configuration is unchanged.")
            return gr.skip(), exc.markdown, ""
        try:
            answer = await self.manager.update_plugin_config(plugin_id, edited, actor=actor)
        except InvalidConfigError as exc:
            warn(exc)
            listing = fmt.errors_markdown(exc.errors) if exc.errors else exc.message
            return gr.skip(), "✗ **Not saved:**\n" + listing, ""
        except PluginError as exc:
            raise fail(exc) from exc
        changes = diff_markdown(stored, answer["config"], schema)
        ok(f"Configuration of {plugin_id} saved.")
        saved_text = fmt.pretty_json(fmt.mask_secrets(answer["config"], schema))
        return saved_text, "✓ Saved.", changes

    async def reset(self, plugin_id: str | None, request: gr.Request | None = None):
        """Back to the plugin's defaults (stored at once)."""
        actor = actor_of(request, self.manager)
        if not plugin_id:
            raise gr.Error("Pick a plugin first.")
        try:
            before = (await self.manager.get_plugin(plugin_id))["config"]
            answer = await self.manager.reset_plugin_config(plugin_id, actor=actor)
        except PluginError as exc:
            raise fail(exc) from exc
        schema = (await self.manager.get_plugin(plugin_id)).get("config_schema") or {}
        ok(f"Configuration of {plugin_id} reset to its defaults.")
        text = fmt.pretty_json(fmt.mask_secrets(answer["config"], schema))
        return text, "✓ Reset to defaults.", diff_markdown(before, answer["config"], schema)

    async def revert(self, plugin_id: str | None) -> tuple[Any, str, str]:
        """Throw the edits away: the editor shows the stored config again."""
        text, _schema, _summary, _errors, _diff = await self.open(plugin_id)
        gr.Info("Edits discarded: showing the stored configuration.")
        return text, "", ""


class JsonTextError(Exception):
    """The editor's text is not JSON; carries a Markdown explanation with line and column."""

    def __init__(self, exc: json.JSONDecodeError) -> None:
        super().__init__(exc.msg)
        self.markdown = (
            f"✗ **Not valid JSON:** {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix the text and try again; nothing was saved."
        )


def diff_markdown(old: Any, new: Any, schema: dict[str, Any] | None) -> str:
    lines = fmt.config_diff(old, new, schema)
    if not lines:
        return NO_CHANGES
    return "**Changes:**\n```diff\n" + "\n".join(lines) + "\n```"


def build(manager: PluginManager) -> ConfigTab:
    tab = ConfigTab(manager)
    with gr.Row(equal_height=True):
        plugin = gr.Dropdown([], label="Plugin", scale=3, elem_id="config-plugin")
        refresh_btn = gr.Button("Refresh list", size="sm", scale=0)
    with gr.Row():
        with gr.Column(scale=3):
            editor = gr.Code(
                language="json", label="Configuration (JSON)", lines=18, elem_id="config-editor"
            )
            with gr.Row():
                validate_btn = gr.Button("Validate")
                save_btn = gr.Button("Save", variant="primary", elem_id="config-save")
                reset_btn = gr.Button("Reset to defaults", variant="stop")
                revert_btn = gr.Button("Revert edits")
            unavailable = gr.Markdown(elem_classes=["reasons"])
            errors = gr.Markdown(elem_id="config-errors")
            diff = gr.Markdown(elem_id="config-diff")
        with gr.Column(scale=2):
            summary = gr.Markdown(elem_id="config-fields")
            with gr.Accordion("JSON Schema", open=False):
                schema = gr.JSON(label="config_schema")
    plugin.change(tab.open, plugin, [editor, schema, summary, errors, diff])
    plugin.change(
        tab.availability, plugin, [validate_btn, save_btn, reset_btn, revert_btn, unavailable]
    )
    refresh_btn.click(tab.choices, plugin, plugin)
    validate_btn.click(tab.validate, [plugin, editor], [errors, diff])
    save_btn.click(tab.save, [plugin, editor], [editor, errors, diff])
    reset_btn.click(tab.reset, plugin, [editor, errors, diff])
    revert_btn.click(tab.revert, plugin, [editor, errors, diff])
    tab.shown = [(tab.choices, [plugin], [plugin])]
    return tab
