"""Case 6: installs from a real HTTP marketplace on 127.0.0.1.

N generated plugins are packed with the project's own ``pack_plugin`` and served, with an
index listing their sha256 checksums, by a local HTTP server. ``manager.install_plugin``
then installs each (download, checksum check, safe extraction, manifest validation, test
import in a child process, atomic move). The floor is the bare minimum of the same transfer:
an httpx GET of the package, its sha256, and ``zipfile.extractall`` to a temporary folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import io
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from plugin_admin import PluginManager

from ..core import Options, Row, Stats, ratio, time_async
from ..market import entry, serve_folder
from ..plugins import bench_settings, write_bench_plugin

NAME = "install"


def unavailable() -> str | None:
    if importlib.util.find_spec("plugin_admin.marketplace.packages") is None:
        return "plugin_admin.marketplace.packages is not there yet"
    if not hasattr(PluginManager, "install_plugin"):
        return "PluginManager.install_plugin is not there yet"
    return None


def build_market(folder: Path, count: int) -> list[str]:
    """Pack ``count`` bench plugins into ``folder`` with an index.json; returns their ids."""
    import random

    from plugin_admin.marketplace.packages import pack_plugin, package_name, sha256_hex

    sources = folder / "_sources"
    rng = random.Random(3)
    plugins, ids = [], []
    for i in range(count):
        plugin_id = f"pkg_{i:04d}"
        data, manifest = pack_plugin(write_bench_plugin(sources, plugin_id))
        name = package_name(plugin_id, manifest.version)
        (folder / name).write_bytes(data)
        plugins.append(
            entry(
                i,
                rng,
                plugin_id=plugin_id,
                name=f"Package {i}",
                version=manifest.version,
                download_url=name,
                checksum=sha256_hex(data),
                size=len(data),
                permissions=[],
                versions=[],
            )
        )
        ids.append(plugin_id)
    (folder / "index.json").write_text(json.dumps({"format": 1, "plugins": plugins}))
    return ids


async def run(opts: Options) -> list[Row]:
    count = opts.sizes_for(NAME, [20], [2])[0] * max(1, opts.repeat)
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        market = Path(tmp) / "market"
        market.mkdir()
        ids = build_market(market, count)
        with serve_folder(market) as base:
            floor = await _floor(base, ids, Path(tmp) / "floor")
            probe = Stats.of(await time_async(_probe_floor, opts.scale(5, 1)))
            settings = bench_settings(
                Path(tmp) / "host", plugin_marketplace_url=base, plugin_marketplace_cache_ttl=3600
            )
            manager = PluginManager(settings=settings)
            await manager.initialize()
            try:
                await manager.search_marketplace(limit=1)  # fetch the index once, outside timing
                pending = iter(ids)
                started = time.perf_counter()
                installs = Stats.of(
                    await time_async(lambda: manager.install_plugin(next(pending)), len(ids))
                )
                wall = time.perf_counter() - started
                installed = {p["plugin_id"] for p in await manager.list_plugins()}
                if not set(ids) <= installed:
                    raise RuntimeError(f"only {len(set(ids) & installed)} of {len(ids)} installed")
            finally:
                await manager.shutdown()
    return [
        floor.row("6 install: GET + sha256 + unzip floor", note="baseline"),
        probe.row(
            "6 install: bare child interpreter (-I -c pass)",
            baseline="floor",
            ratio=ratio(probe, floor),
            note="the floor of the install's test import, which runs in a child process",
        ),
        installs.row(
            "6 install: manager.install_plugin",
            baseline="floor",
            ratio=ratio(installs, floor),
            note=f"{len(ids) / wall:.1f} packages/s sequentially, checksum verified, "
            "safe extraction, test import in a child process",
        ),
    ]


async def _probe_floor() -> None:
    """A bare child interpreter: the least the install's test import in a child can cost."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-I", "-c", "pass")
    if await process.wait() != 0:
        raise RuntimeError("the bare child interpreter failed")


async def _floor(base: str, ids: list[str], dest: Path) -> Stats:
    async with httpx.AsyncClient(base_url=base) as client:
        pending = iter(ids)

        async def one() -> None:
            plugin_id = next(pending)
            response = await client.get(f"/{plugin_id}-1.0.0.zip")
            response.raise_for_status()
            hashlib.sha256(response.content).hexdigest()
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                archive.extractall(dest / plugin_id)

        return Stats.of(await time_async(one, len(ids)))
