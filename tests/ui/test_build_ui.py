"""The console as a whole: seven tabs, built before the manager starts, offline theme."""

from __future__ import annotations

import gradio as gr

from plugin_admin import PluginManager
from plugin_admin.ui import MOUNT_OPTIONS, UI_CSS, UI_THEME, build_ui


def test_the_console_has_every_tab_and_builds_without_a_running_manager(settings) -> None:
    blocks = build_ui(PluginManager(settings=settings))  # not initialised: nothing is read
    labels = [b.label for b in blocks.blocks.values() if isinstance(b, gr.Tab)]
    assert labels == [
        "Installed",
        "Marketplace",
        "Configuration",
        "Permissions",
        "Hook console",
        "Audit log",
        "Settings / system",
    ]
    editors = [b for b in blocks.blocks.values() if isinstance(b, gr.Code)]
    assert {e.elem_id for e in editors} >= {"config-editor", "console-args", "console-curl"}


def test_theme_and_css_are_local_only() -> None:
    assert MOUNT_OPTIONS == {"theme": UI_THEME, "css": UI_CSS}
    assert "http" not in UI_CSS and "@import" not in UI_CSS
    assert not any("googleapis" in str(font) for font in UI_THEME._font)
