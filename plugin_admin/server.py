"""The served application: Settings → one PluginManager → FastAPI (REST API + Gradio console).

``create_app`` builds it (tests use it directly); ``serve`` runs it under uvicorn, which turns
SIGTERM / Ctrl-C into a clean lifespan shutdown, so every plugin's ``shutdown()`` runs.
Importing this module switches Gradio's analytics off before Gradio is imported.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import gradio as gr
import uvicorn
from fastapi import FastAPI

from . import __version__
from .api import install_api
from .auth import Credentials, check_bind_address, load_credentials, reset_credentials
from .errors import PluginError
from .manager import PluginManager
from .settings import Settings, load_settings

API_DESCRIPTION = """\
Manage the email intelligence platform's plugins: list, install, load, configure, permit and
run them. Everything under `/api/plugins` needs `Authorization: Bearer <token>`
(`PLUGIN_API_TOKEN`, or the token printed at first start); `/api/health` does not.
Errors are `{"detail": "..."}`; see docs/api.md.
"""


def create_app(settings: Settings | None = None, manager: PluginManager | None = None) -> FastAPI:
    """Build the whole application; the manager starts and stops with the app's lifespan.

    Raises :class:`~plugin_admin.settings.SettingsError` (before anything is started) when
    authentication is disabled on a non-loopback address.
    """
    if settings is None:
        settings = manager.settings if manager is not None else load_settings()
    check_bind_address(settings)
    manager = manager if manager is not None else PluginManager(settings=settings)
    credentials = load_credentials(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await manager.initialize()
        try:
            yield
        finally:
            await manager.shutdown()

    app = FastAPI(
        title="plugin-admin",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.manager = manager
    app.state.settings = settings
    app.state.credentials = credentials
    install_api(app, credentials, max_upload_bytes=settings.plugin_max_file_size_mb * 1024 * 1024)
    mount_console(app, manager, credentials)
    return app


def mount_console(app: FastAPI, manager: PluginManager, credentials: Credentials) -> None:
    """Mount the Gradio console at ``/`` behind the console login (after the REST routes, so
    those match first)."""
    from . import ui

    options: dict[str, Any] = {"theme": _offline_theme(), **getattr(ui, "MOUNT_OPTIONS", {})}
    gr.mount_gradio_app(
        app,
        ui.build_ui(manager),
        path="/",
        auth=None if credentials.disabled else credentials.check_login_async,
        auth_message="Log in with PLUGIN_ADMIN_USERNAME / PLUGIN_ADMIN_PASSWORD "
        "(or the password printed at first start).",
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        **options,
    )


def _offline_theme() -> gr.themes.Base:
    """A built-in theme with system fonts only: nothing is fetched from the internet."""
    return gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
    )


def serve(settings: Settings | None = None) -> None:
    """Run console and API on PLUGIN_ADMIN_HOST:PLUGIN_ADMIN_PORT until SIGTERM / Ctrl-C."""
    settings = settings or load_settings()
    app = create_app(settings)
    host, port = settings.plugin_admin_host, settings.plugin_admin_port
    shown = f"[{host}]" if ":" in host else host
    print(
        f"plugin-admin {__version__}: console http://{shown}:{port}/  "
        f"API http://{shown}:{port}/api/plugins/  docs http://{shown}:{port}/docs",
        flush=True,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level="info",
        access_log=settings.plugin_admin_access_log,
        timeout_graceful_shutdown=5,  # open console streams must not hold the shutdown
    )
    with _stop_signals_exit_zero():
        uvicorn.Server(config).run()


@contextmanager
def _stop_signals_exit_zero() -> Iterator[None]:
    """uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    handler that was there before it; make that handler a no-op, so a requested, clean stop
    exits with status 0 instead of dying by the signal."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: None)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    """``python app.py``: serve with settings from the environment; a bad setting exits 2."""
    try:
        serve(load_settings())
    except PluginError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _register_commands(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("serve", help="serve the console and the REST API")
    p.add_argument("--host", help="override PLUGIN_ADMIN_HOST")
    p.add_argument("--port", type=int, help="override PLUGIN_ADMIN_PORT")

    def run_serve(args: argparse.Namespace) -> None:
        overrides: dict[str, Any] = {}
        if args.host:
            overrides["plugin_admin_host"] = args.host
        if args.port:
            overrides["plugin_admin_port"] = args.port
        if getattr(args, "safe_mode", False):
            overrides["plugin_safe_mode"] = True
        serve(load_settings(**overrides))

    p.set_defaults(run=run_serve)

    p = commands.add_parser(
        "reset-credentials",
        help="forget the stored hashes; generate and print a new API token and console password",
    )

    def run_reset(args: argparse.Namespace) -> None:
        reset_credentials(load_settings())

    p.set_defaults(run=run_reset)


def _register() -> None:
    from .cli import EXTRA_COMMANDS

    if _register_commands not in EXTRA_COMMANDS:
        EXTRA_COMMANDS.append(_register_commands)


_register()
