"""``plugin-admin``: the command line (serve, inspect and drive plugins, publish packages).

Each command is a thin call into :class:`PluginManager` (or the marketplace tools); errors are
printed as their user-facing message with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import PluginError
from .manager import PluginManager
from .settings import load_settings

Handler = Callable[[argparse.Namespace], Awaitable[Any]]


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


async def _with_manager(
    args: argparse.Namespace, action: Callable[[PluginManager], Awaitable[Any]]
) -> Any:
    overrides = {"plugin_safe_mode": True} if getattr(args, "safe_mode", False) else {}
    manager = PluginManager(settings=load_settings(**overrides))
    await manager.initialize()
    try:
        return await action(manager)
    finally:
        await manager.shutdown()


def _manager_command(
    make: Callable[[PluginManager, argparse.Namespace], Awaitable[Any]],
) -> Handler:
    async def handler(args: argparse.Namespace) -> Any:
        _print(await _with_manager(args, lambda manager: make(manager, args)))

    return handler


def _add_core_commands(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("list", help="list installed plugins")
    p.add_argument("--status")
    p.set_defaults(
        run=_manager_command(lambda m, a: m.list_plugins(status=a.status, include_metadata=False))
    )

    p = commands.add_parser("show", help="details of one plugin")
    p.add_argument("plugin_id")
    p.set_defaults(run=_manager_command(lambda m, a: m.get_plugin(a.plugin_id)))

    for name, method in (
        ("load", "load_plugin"),
        ("unload", "unload_plugin"),
        ("reload", "reload_plugin"),
    ):
        p = commands.add_parser(name, help=f"{name} a plugin (state persists for the next start)")
        p.add_argument("plugin_id")
        p.set_defaults(
            run=_manager_command(
                lambda m, a, method=method: getattr(m, method)(a.plugin_id, actor="cli")
            )
        )

    p = commands.add_parser("call", help="run one hook: plugin-admin call ID HOOK '{\"k\": 1}'")
    p.add_argument("plugin_id")
    p.add_argument("hook_name")
    p.add_argument("arguments", nargs="?", default="{}", help="JSON object of keyword arguments")

    async def call(m: PluginManager, a: argparse.Namespace) -> Any:
        record = await m.get_plugin(a.plugin_id)
        if record["status"] != "enabled":
            await m.load_plugin(a.plugin_id, actor="cli")
        return await m.run_hook(a.plugin_id, a.hook_name, _json_object(a.arguments), actor="cli")

    p.set_defaults(run=_manager_command(call))

    p = commands.add_parser("config", help="set a plugin's config from a JSON object")
    p.add_argument("plugin_id")
    p.add_argument("config", help="JSON object")
    p.set_defaults(
        run=_manager_command(
            lambda m, a: m.update_plugin_config(a.plugin_id, _json_object(a.config), actor="cli")
        )
    )

    for name, method in (("grant", "grant_permission"), ("revoke", "revoke_permission")):
        p = commands.add_parser(name, help=f"{name} a permission")
        p.add_argument("plugin_id")
        p.add_argument("permission")
        p.set_defaults(
            run=_manager_command(
                lambda m, a, method=method: getattr(m, method)(
                    a.plugin_id, a.permission, actor="cli"
                )
            )
        )

    p = commands.add_parser("deps", help="check a plugin's pip requirements")
    p.add_argument("plugin_id")
    p.set_defaults(run=_manager_command(lambda m, a: m.validate_plugin_dependencies(a.plugin_id)))


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PluginError(
            f"Not valid JSON ({exc}); pass a JSON object such as '{{\"key\": 1}}'."
        ) from None
    if not isinstance(value, dict):
        raise PluginError("Pass a JSON object such as '{\"key\": 1}'.")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plugin-admin", description=__doc__.splitlines()[0])
    parser.add_argument("--safe-mode", action="store_true", help="start with no plugin loaded")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_core_commands(commands)
    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


# Other modules register their command groups here (serve, marketplace, backup...).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: list[str] | None = None) -> int:
    _load_extra_commands()
    args = build_parser().parse_args(argv)
    try:
        result = args.run(args)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    except PluginError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _load_extra_commands() -> None:
    """Import the modules that register command groups (kept lazy: gradio is slow to import)."""
    import importlib

    for module in ("plugin_admin.server", "plugin_admin.marketplace.cli", "plugin_admin.backup"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not exc.name or not module.startswith(exc.name):
                raise


if __name__ == "__main__":
    # Run the imported module's main, so commands registered into plugin_admin.cli's
    # EXTRA_COMMANDS (not this __main__ copy's) are seen.
    from plugin_admin.cli import main as package_main

    sys.exit(package_main())
