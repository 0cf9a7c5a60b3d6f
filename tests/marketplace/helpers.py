"""Build test marketplaces: plugin sources → packages → index.json, hostile zips, a server."""

from __future__ import annotations

import io
import json
import stat
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plugin_admin.marketplace.catalogue import build_catalogue
from plugin_admin.marketplace.cli import serve_folder
from plugin_admin.marketplace.packages import pack_plugin, sha256_hex
from tests.plugin_factory import write_plugin


def write_source(sources: Path, plugin_id: str, version: str, **kwargs: Any) -> Path:
    """A plugin folder at ``sources/<id>/<version>/`` (catalogue source layout)."""
    folder = write_plugin(sources / plugin_id, version, version=version, **kwargs)
    manifest = json.loads((folder / "plugin.json").read_text())
    manifest["plugin_id"] = plugin_id
    manifest.setdefault("category", "testing")
    manifest.setdefault("changelog", f"{version}: test release")
    (folder / "plugin.json").write_text(json.dumps(manifest))
    init = (
        (folder / "__init__.py")
        .read_text()
        .replace(f"plugin_id={version!r}", f"plugin_id={plugin_id!r}")
    )
    (folder / "__init__.py").write_text(init)
    return folder


def build_market(sources: Path, out: Path, **kwargs: Any) -> dict[str, Any]:
    return build_catalogue(sources, out, **kwargs)


def package_of(folder: Path, plugin_id: str | None = None) -> bytes:
    return pack_plugin(folder, plugin_id)[0]


def zip_bytes(members: dict[str, bytes | str], *, mode: int | None = None) -> bytes:
    """A zip with the given members (text or bytes), deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (mode if mode is not None else stat.S_IFREG | 0o644) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def plugin_members(folder: Path) -> dict[str, bytes | str]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def single_entry_index(
    out: Path, plugin_id: str, version: str, data: bytes, *, checksum: str | None = "auto"
) -> None:
    """Publish one package as the only entry of ``out/index.json``."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"{plugin_id}-{version}.zip"
    (out / name).write_bytes(data)
    entry: dict[str, Any] = {
        "plugin_id": plugin_id,
        "name": plugin_id,
        "version": version,
        "author": "tests",
        "description": "hostile package",
        "download_url": name,
    }
    if checksum is not None:
        entry["checksum"] = sha256_hex(data) if checksum == "auto" else checksum
    (out / "index.json").write_text(json.dumps({"format": 1, "plugins": [entry]}))


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1; yields the base URL."""
    server = serve_folder(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def tree(folder: Path) -> list[str]:
    """Every entry below ``folder`` (relative), to assert nothing was left behind."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
