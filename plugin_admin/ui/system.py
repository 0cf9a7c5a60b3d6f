"""Settings / system tab: what this server runs with, and whether its parts work here.

Effective settings (secrets masked), marketplace connection and cache age, sandbox
availability (is bubblewrap usable), versions, data paths, the safe-mode reason, and backup /
restore of the whole plugin state.
"""

from __future__ import annotations

import asyncio
import json
import platform
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import PluginError
from ..manager import PluginManager
from . import formatting as fmt
from .common import actor_of, fail, ok, warn
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
        try:
            return info_markdown(await self.manager.marketplace_info())
        except PluginError as exc:
            return f"⚠ {exc.message}"

    async def test_connection(self) -> str:
        """Fetch the index now and say whether it worked and how long it took."""
        try:
            answer = await self.manager.test_marketplace_connection()
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
            await self.manager.clear_marketplace_cache()
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

    async def backup(self) -> str:
        """The whole plugin state as a JSON file to download (a lock file for restore)."""
        snapshot = await self.manager.export_state()
        folder = Path(tempfile.mkdtemp(prefix="plugin-admin-backup-"))
        path = folder / f"plugin-admin-backup-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
        ok(f"Backup of {len(snapshot['plugins'])} plugin(s) ready to download.")
        return str(path)

    async def restore(self, upload: str | None, request: gr.Request) -> dict[str, Any]:
        """Restore a snapshot; the report says per plugin what changed and what could not."""
        actor = actor_of(request, self.manager)
        if not upload:
            warn("Choose a backup file (made by 'Create backup' or plugin-admin backup) first.")
            return {}
        try:
            snapshot = json.loads(Path(upload).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            warn(f"That file is not a JSON backup ({exc}).")
            return {}
        try:
            report = await self.manager.restore_state(snapshot, actor=actor)
        except PluginError as exc:
            raise fail(exc) from None
        changed, failed = len(report["changed"]), len(report["failed"])
        if failed:
            warn(
                f"Restore: {changed} plugin(s) changed, {failed} could not be restored (see the report)."
            )
        else:
            ok(f"Restore: {changed} plugin(s) changed, {len(report['unchanged'])} already matched.")
        return report


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
                test_btn = gr.Button("Test connection")
                clear_btn = gr.Button("Clear cache")
            gr.Markdown("#### Sandbox")
            sandbox = gr.JSON(label="Sandbox on this machine", elem_id="system-sandbox")
            check_btn = gr.Button("Check sandbox")
            gr.Markdown(
                "#### Backup and restore\nThe whole plugin state (versions and checksums, "
                "status, config, grants) as one JSON file; restoring installs the pinned "
                "versions from the marketplace and reports each plugin's outcome."
            )
            backup_btn = gr.Button("Create backup")
            backup_file = gr.File(label="Backup", interactive=False, elem_id="system-backup")
            restore_file = gr.File(label="Backup to restore", file_types=[".json"], type="filepath")
            restore_btn = gr.Button("Restore", variant="stop")
            restore_report = gr.JSON(label="Restore report", elem_id="system-restore-report")
        with gr.Column():
            settings = gr.JSON(
                label="Effective settings (secrets masked)", elem_id="system-settings"
            )
            paths = gr.JSON(label="Data paths")
            versions_view = gr.JSON(label="Versions")
    test_btn.click(tab.test_connection, None, market)
    clear_btn.click(tab.clear_cache, None, market)
    check_btn.click(tab.sandbox, None, sandbox)
    backup_btn.click(tab.backup, None, backup_file)
    restore_btn.click(tab.restore, restore_file, restore_report)
    tab.shown = [
        (tab.overview, None, [banner, settings, paths, versions_view, market]),
        (tab.sandbox, None, sandbox),
    ]
    return tab
