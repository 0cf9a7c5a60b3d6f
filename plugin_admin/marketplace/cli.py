"""``plugin-admin`` commands for publishers and admins: pack, marketplace build/serve/keygen,
install, uninstall, update, rollback, versions, updates."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path
from typing import Any

from .. import cli
from ..errors import InvalidInputError
from . import signing
from .catalogue import build_catalogue
from .packages import pack_plugin, package_name, sha256_hex


class _LogHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, one log line per request on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def serve_folder(
    folder: Path, host: str = "127.0.0.1", port: int = 0
) -> http.server.ThreadingHTTPServer:
    """An HTTP server for a marketplace folder (call ``serve_forever`` or run it in a thread)."""
    if not (Path(folder) / "index.json").is_file():
        raise InvalidInputError(f"{folder} holds no index.json; build it with marketplace build.")
    handler = functools.partial(_LogHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)


def _pack(args: argparse.Namespace) -> None:
    data, manifest = pack_plugin(Path(args.plugin_dir))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    target = out / package_name(manifest.plugin_id, manifest.version)
    target.write_bytes(data)
    cli._print({"path": str(target), "checksum": sha256_hex(data), "size": len(data)})


def _build(args: argparse.Namespace) -> None:
    index = build_catalogue(
        Path(args.src),
        Path(args.out),
        metadata=Path(args.metadata) if args.metadata else None,
        sign_key=Path(args.sign) if args.sign else None,
    )
    cli._print(
        {
            "out": args.out,
            "plugins": {
                e["plugin_id"]: [v["version"] for v in e["versions"]] for e in index["plugins"]
            },
            "signed": bool(args.sign),
        }
    )


def _serve(args: argparse.Namespace) -> None:
    server = serve_folder(Path(args.folder), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"Serving {args.folder} at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _keygen(args: argparse.Namespace) -> None:
    signing.generate_key_pair(Path(args.private), Path(args.public))
    cli._print({"private_key": args.private, "public_key": args.public})


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("pack", help="build a reproducible package zip of a plugin folder")
    p.add_argument("plugin_dir")
    p.add_argument("-o", "--output", default=".", help="folder for <id>-<version>.zip")
    p.set_defaults(run=_pack)

    market = commands.add_parser("marketplace", help="build, serve or browse a marketplace")
    sub = market.add_subparsers(dest="marketplace_command", required=True)
    p = sub.add_parser("build", help="packages + index.json from SRC/<id>/<version>/ folders")
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--sign", metavar="KEY", help="Ed25519 private key (PEM) to sign index.json")
    p.add_argument("--metadata", help="JSON with release dates, ratings and downloads")
    p.set_defaults(run=_build)
    p = sub.add_parser("serve", help="serve a built marketplace over HTTP")
    p.add_argument("folder")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(run=_serve)
    p = sub.add_parser("keygen", help="create an Ed25519 key pair for signing an index")
    p.add_argument("private")
    p.add_argument("public")
    p.set_defaults(run=_keygen)
    p = sub.add_parser("search", help="search the configured marketplace")
    p.add_argument("query", nargs="?")
    p.add_argument("--category")
    p.add_argument("--tag", action="append", dest="tags")
    p.add_argument("--sort", default="name")
    p.set_defaults(
        run=cli._manager_command(
            lambda m, a: m.search_marketplace(a.query, a.category, a.tags, sort=a.sort)
        )
    )
    p = sub.add_parser("info", help="marketplace source, cache age and signature")
    p.set_defaults(run=cli._manager_command(lambda m, a: m.marketplace_info()))
    p = sub.add_parser("clear-cache", help="forget the cached index")
    p.set_defaults(run=cli._manager_command(lambda m, a: m.clear_marketplace_cache()))

    p = commands.add_parser("install", help="install from the marketplace (or --file ZIP)")
    p.add_argument("plugin_id", nargs="?")
    p.add_argument("--version")
    p.add_argument("--file", help="a package zip to install instead")

    async def install(m: Any, a: argparse.Namespace) -> Any:
        if a.file:
            path = Path(a.file)
            return await m.install_from_zip(path.read_bytes(), filename=path.name, actor="cli")
        if not a.plugin_id:
            raise InvalidInputError("Give a plugin id, or --file PACKAGE.zip.")
        return await m.install_plugin(a.plugin_id, a.version, actor="cli")

    p.set_defaults(run=cli._manager_command(install))

    p = commands.add_parser("uninstall", help="remove a plugin (data kept unless --purge)")
    p.add_argument("plugin_id")
    p.add_argument("--purge", action="store_true", help="also delete its data, config, grants")
    p.set_defaults(
        run=cli._manager_command(
            lambda m, a: m.uninstall_plugin(a.plugin_id, keep_data=not a.purge, actor="cli")
        )
    )
    for name, method in (("update", "update_plugin"), ("rollback", "rollback_plugin")):
        p = commands.add_parser(name, help=f"{name} a plugin (latest / previous by default)")
        p.add_argument("plugin_id")
        p.add_argument("--version")
        p.set_defaults(
            run=cli._manager_command(
                lambda m, a, method=method: getattr(m, method)(a.plugin_id, a.version, actor="cli")
            )
        )
    p = commands.add_parser("versions", help="current, kept and marketplace versions")
    p.add_argument("plugin_id")
    p.set_defaults(run=cli._manager_command(lambda m, a: m.list_versions(a.plugin_id)))
    p = commands.add_parser("updates", help="installed plugins with a newer version")
    p.set_defaults(run=cli._manager_command(lambda m, a: m.check_for_updates()))


cli.EXTRA_COMMANDS.append(register)
