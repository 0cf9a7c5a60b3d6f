"""The Gradio admin console: one tab per job, every action one manager call.

``build_ui(manager)`` lays the tabs out; the server mounts the result with
``gr.mount_gradio_app(app, build_ui(manager), "/", css=UI_CSS, theme=UI_THEME, auth=...)``
(in Gradio 6 theme and CSS belong to the mount, not to ``gr.Blocks``). Nothing here reads
the manager at build time: each tab fills itself when the page loads or the tab is shown, so
the Blocks can be built before the manager is initialised.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..manager import PluginManager
from . import audit, config, hook_console, installed, marketplace, permissions, system

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
UI_CSS = (ASSETS / "console.css").read_text(encoding="utf-8")
LOGO_SVG = (ASSETS / "logo.svg").read_text(encoding="utf-8")

# A built-in theme with system fonts only: nothing is fetched from the internet.
UI_THEME = gr.themes.Soft(
    primary_hue="indigo",
    secondary_hue="slate",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)

TABS = [
    ("Installed", "installed", installed.build),
    ("Marketplace", "marketplace", marketplace.build),
    ("Configuration", "config", config.build),
    ("Permissions", "permissions", permissions.build),
    ("Hook console", "console", hook_console.build),
    ("Audit log", "audit", audit.build),
    ("Settings / system", "system", system.build),
]

# What the server passes to gr.mount_gradio_app beside the Blocks.
MOUNT_OPTIONS = {"theme": UI_THEME, "css": UI_CSS}

__all__ = ["MOUNT_OPTIONS", "UI_CSS", "UI_THEME", "build_ui"]


def build_ui(manager: PluginManager) -> gr.Blocks:
    """The whole console for ``manager`` (not launched: the server mounts it)."""
    with gr.Blocks(title="Plugin Admin · Email Intelligence") as blocks:
        with gr.Row(elem_id="console-header", equal_height=True):
            gr.HTML(LOGO_SVG, elem_id="console-logo", padding=False)
            gr.Markdown(
                "# Plugin Admin\nInstall, configure, permit and try the email platform's plugins.",
                elem_id="console-title",
            )
        with gr.Tabs(elem_id="console-tabs"):
            for label, tab_id, builder in TABS:
                with gr.Tab(label, id=tab_id, elem_id=f"tab-{tab_id}") as tab_component:
                    tab = builder(manager)
                for fn, inputs, outputs in tab.shown:
                    tab_component.select(fn, inputs, outputs)
                    if tab_id == "installed":
                        blocks.load(fn, inputs, outputs)
    return blocks
