"""The Gradio admin console (being built: see the console issue)."""

from __future__ import annotations

import gradio as gr

from ..manager import PluginManager


def build_ui(manager: PluginManager) -> gr.Blocks:
    with gr.Blocks(title="plugin-admin") as blocks:
        gr.Markdown("# plugin-admin")
    return blocks
