"""Build a marketplace folder (packages + ``index.json`` [+ signature]) from plugin sources.

Sources are ``SRC/<plugin_id>/<version>/`` (one plugin folder per version) or simply
``SRC/<plugin_id>/`` (one version). Catalogue data that is not in the plugin folders —
release dates, ratings, download counts — comes from an optional metadata JSON file::

    {"plugins": {"<plugin_id>": {"rating": 4.5, "downloads": 120,
                                 "versions": {"1.0.0": {"released_at": 1764000000.0}}}}}

The output is reproducible: the same sources and metadata give byte-identical files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from packaging.version import Version

from ..errors import PackageError
from ..settings import PROJECT_ROOT
from . import signing
from .index import INDEX_FORMAT, parse_index
from .packages import pack_plugin, package_name, sha256_hex

BUNDLED_SOURCES = PROJECT_ROOT / "assets" / "marketplace" / "sources"
BUNDLED_METADATA = PROJECT_ROOT / "assets" / "marketplace" / "catalogue.json"
PACKAGE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}-[^/]+\.zip$")


def _version_folders(plugin_root: Path) -> list[Path]:
    if (plugin_root / "plugin.json").is_file():
        return [plugin_root]
    return sorted(
        (p for p in plugin_root.iterdir() if p.is_dir() and (p / "plugin.json").is_file()),
        key=lambda p: p.name,
    )


def build_catalogue(
    sources: Path, out: Path, *, metadata: Path | None = None, sign_key: Path | None = None
) -> dict[str, Any]:
    """Write ``out/<id>-<version>.zip`` and ``out/index.json``; returns the index object."""
    sources, out = Path(sources), Path(out)
    if not sources.is_dir():
        raise PackageError(f"{sources} is not a folder of plugin sources.")
    extra = _read_metadata(metadata)
    out.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    entries = []
    for plugin_root in sorted(p for p in sources.iterdir() if p.is_dir()):
        if plugin_root.name.startswith((".", "_")):
            continue
        versions = []
        for folder in _version_folders(plugin_root):
            data, manifest = pack_plugin(folder, plugin_root.name)
            if folder != plugin_root and Version(folder.name) != Version(manifest.version):
                raise PackageError(
                    f"{folder}/plugin.json declares version {manifest.version!r} but its folder "
                    f"is named {folder.name!r}; make them equal."
                )
            name = package_name(manifest.plugin_id, manifest.version)
            _write_if_changed(out / name, data)
            written.add(name)
            versions.append((manifest, name, data))
        if not versions:
            continue
        versions.sort(key=lambda item: Version(item[0].version), reverse=True)
        entries.append(_entry(versions, extra.get(plugin_root.name, {})))
    for stale in out.glob("*.zip"):
        if PACKAGE_PATTERN.fullmatch(stale.name) and stale.name not in written:
            stale.unlink()
    index = {"format": INDEX_FORMAT, "plugins": entries}
    text = (json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    parsed = parse_index(text, source=str(out / "index.json"))
    if parsed.errors:
        raise PackageError("The built index is invalid: " + "; ".join(parsed.errors))
    _write_if_changed(out / "index.json", text)
    signature = out / "index.json.sig"
    if sign_key is not None:
        _write_if_changed(signature, signing.sign(text, signing.load_private_key(sign_key)))
    elif signature.exists():
        signature.unlink()  # a stale signature would make the new index look tampered with
    return index


def _entry(versions: list[tuple[Any, str, bytes]], extra: dict[str, Any]) -> dict[str, Any]:
    latest, latest_name, latest_data = versions[0]
    raw = latest.raw
    released = extra.get("versions", {})
    listed = []
    for manifest, name, data in versions:
        listed.append(
            {
                "version": manifest.version,
                "download_url": name,
                "checksum": sha256_hex(data),
                "size": len(data),
                "released_at": released.get(manifest.version, {}).get("released_at"),
                "changelog": manifest.raw.get("changelog", ""),
                "permissions": manifest.permissions,
            }
        )
    dates = [v["released_at"] for v in listed if v["released_at"] is not None]
    return {
        "plugin_id": latest.plugin_id,
        "name": raw["name"],
        "version": latest.version,
        "author": raw["author"],
        "description": raw["description"],
        "license": raw.get("license", "MIT"),
        "homepage": raw.get("homepage"),
        "download_url": latest_name,
        "checksum": sha256_hex(latest_data),
        "size": len(latest_data),
        "tags": list(raw.get("tags", [])),
        "category": raw.get("category"),
        "rating": extra.get("rating"),
        "downloads": extra.get("downloads"),
        "last_updated": max(dates) if dates else None,
        "permissions": latest.permissions,
        "security_level": raw.get("security_level", "standard"),
        "dependencies": latest.dependencies,
        "capabilities": latest.capabilities,
        "versions": listed,
    }


def _read_metadata(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackageError(f"Cannot read catalogue metadata {path}: {exc}.") from None
    plugins = data.get("plugins") if isinstance(data, dict) else None
    if not isinstance(plugins, dict):
        raise PackageError(f"{path} must be a JSON object with a 'plugins' object.")
    return plugins


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def build_bundled(out: Path) -> dict[str, Any]:
    """The project's offline catalogue, built from ``assets/marketplace/sources``."""
    metadata = BUNDLED_METADATA if BUNDLED_METADATA.exists() else None
    return build_catalogue(BUNDLED_SOURCES, out, metadata=metadata)
