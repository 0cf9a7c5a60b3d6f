"""What every tab's handlers share: who is acting, and how failures reach the user.

Every Gradio handler is also an HTTP endpoint, so each one asks :func:`actor_of` who is
calling: behind the console login that is the logged-in user; an anonymous request to a
console that has a login is refused (Gradio's own auth normally stops it first).
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager

CONSOLE_ACTOR = "console"


def actor_of(request: gr.Request | None, manager: PluginManager) -> str:
    """The logged-in user for the audit trail; ``"console"`` when the console has no login."""
    username = getattr(request, "username", None) if request is not None else None
    if username:
        return str(username)
    if request is not None and not manager.settings.plugin_admin_auth_disabled:
        raise gr.Error("You are not logged in: reload the page and log in again.")
    return CONSOLE_ACTOR


def message_of(exc: PluginError) -> str:
    """The error's user-facing text, HTML-escaped (toasts render HTML)."""
    return html.escape(exc.message)


def fail(exc: PluginError) -> gr.Error:
    """A ``gr.Error`` carrying the manager's message (raise it: nothing changes on screen)."""
    return gr.Error(message_of(exc), title=type(exc).__name__.removesuffix("Error") or "Error")


def warn(exc: PluginError | str) -> None:
    """A yellow toast for a refused action whose outcome is still shown on screen."""
    gr.Warning(message_of(exc) if isinstance(exc, PluginError) else html.escape(exc))


def ok(message: str) -> None:
    gr.Success(html.escape(message))


async def plugin_choices(
    manager: PluginManager, *, status: str | None = None
) -> list[tuple[str, str]]:
    """``(label, plugin_id)`` pairs for a plugin picker, optionally only one status."""
    plugins = await manager.list_plugins(status=status, include_metadata=False)
    return [(f"{p['name']} ({p['plugin_id']}) · {p['status']}", p["plugin_id"]) for p in plugins]


def keep_choice(current: Any, choices: list[tuple[str, str]]) -> Any:
    """Keep the picker's value when it is still a valid choice, else the first one (or None)."""
    values = [value for _, value in choices]
    if current in values:
        return current
    return values[0] if values else None
