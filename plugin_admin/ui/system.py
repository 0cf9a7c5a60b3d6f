"""Settings / system tab: what this server runs with, and whether its parts work here.

Effective settings (secrets masked), marketplace connection and cache age, sandbox
availability (is bubblewrap usable), versions, data paths, and the safe-mode reason.
"""

from __future__ import annotations

import asyncio
import platform
from importlib import metadata
from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import has, maybe_await, ok, warn
from .marketplace import info_markdown

PACKAGES = ["plugin-admin", "gradio", "fastapi", "uvicorn", "pydantic", "pandas", "httpx"]


class SystemTab:
    """Handlers of the Settings / system tab."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.shown: list[tuple[Any, Any, Any]] = []

    async def overview(self) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str]:
        """Safe-mode banner, masked settings, paths, versions, marketplace line."""
        settings = self.manager.settings
        banner = (
            f"⚠ **Safe mode:** {self.manager.safe_mode_reason}"
            if self.manager.safe_mode_reason
            else "✓ Normal mode: enabled plugins were loaded at start."
        )
        paths = {
            "PLUGINS_DIR": str(settings.plugins_dir.resolve()),
            "PLUGIN_DATA_DIR": str(settings.plugin_data_dir.resolve()),
            "database": str(settings.database_path.resolve()),
            "marketplace cache": str(settings.marketplace_cache_path.resolve()),
            "previous versions": str(settings.versions_dir.resolve()),
        }
        return (
            banner,
            fmt.mask_settings(settings.model_dump(mode="json")),
            paths,
            versions(),
            await self.marketplace(),
        )

    async def marketplace(self) -> str:
        if not has(self.manager, "marketplace_info"):
            return "_Marketplace support is not available in this build._"
        try:
            return info_markdown(await maybe_await(self.manager.marketplace_info()))
        except PluginError as exc:
            return f"⚠ {exc.message}"

    async def test_connection(self) -> str:
        """Fetch the index now and say whether it worked and how long it took."""
        try:
            answer = await maybe_await(self.manager.test_marketplace_connection())
        except PluginError as exc:
            warn(exc)
            return f"✗ {exc.message}"
        if isinstance(answer, dict) and not answer.get("ok", answer.get("reachable", True)):
            message = answer.get("error") or "the marketplace did not answer"
            warn(f"Marketplace connection failed: {message}")
            return f"✗ {message}\n\n" + await self.marketplace()
        detail = ""
        if isinstance(answer, dict):
            bits = [
                f"{k}: {v}" for k, v in answer.items() if k in ("count", "elapsed_ms", "signed")
            ]
            detail = " (" + ", ".join(bits) + ")" if bits else ""
        ok("The marketplace answered.")
        return f"✓ Connected{detail}.\n\n" + await self.marketplace()

    async def clear_cache(self) -> str:
        try:
            await maybe_await(self.manager.clear_marketplace_cache())
        except PluginError as exc:
            warn(exc)
            return f"✗ {exc.message}"
        ok("Marketplace cache cleared: the next search fetches the index again.")
        return await self.marketplace()

    async def sandbox(self) -> dict[str, Any]:
        """Probe bubblewrap off the event loop (it starts a process once)."""
        from ..sandbox.isolation import sandbox_status

        status = await asyncio.to_thread(sandbox_status)
        return {
            **status,
            "PLUGIN_SANDBOX_ENABLED": self.manager.settings.plugin_sandbox_enabled,
            "PLUGIN_SANDBOX_FORCE": self.manager.settings.plugin_sandbox_force,
        }


def versions() -> dict[str, Any]:
    found: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def build(manager: PluginManager) -> SystemTab:
    tab = SystemTab(manager)
    banner = gr.Markdown(elem_id="system-banner")
    with gr.Row():
        with gr.Column():
            gr.Markdown("#### Marketplace")
            market = gr.Markdown(elem_id="system-marketplace")
            with gr.Row():
                test_btn = gr.Button(
                    "Test connection", visible=has(manager, "test_marketplace_connection")
                )
                clear_btn = gr.Button(
                    "Clear cache", visible=has(manager, "clear_marketplace_cache")
                )
            gr.Markdown("#### Sandbox")
            sandbox = gr.JSON(label="Sandbox on this machine", elem_id="system-sandbox")
            check_btn = gr.Button("Check sandbox")
        with gr.Column():
            settings = gr.JSON(
                label="Effective settings (secrets masked)", elem_id="system-settings"
            )
            paths = gr.JSON(label="Data paths")
            versions_view = gr.JSON(label="Versions")
    test_btn.click(tab.test_connection, None, market)
    clear_btn.click(tab.clear_cache, None, market)
    check_btn.click(tab.sandbox, None, sandbox)
    tab.shown = [
        (tab.overview, None, [banner, settings, paths, versions_view, market]),
        (tab.sandbox, None, sandbox),
    ]
    return tab
