"""The measured side of case 4, run in a fresh process so times and RSS are clean.

``python -m bench.cases.startup_child MODE WORKDIR`` prints one JSON object:

* ``first``: first start (``initialize()`` discovers the folders), then load every plugin;
* ``restart``: a later start, where ``initialize()`` re-enables every plugin enabled before;
* ``floor``: the least any start-up must do: import each plugin package and parse each
  plugin.json (no manager), plus the RSS of an initialised manager with no plugins loaded.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def first(workdir: Path) -> dict[str, Any]:
    from plugin_admin import PluginManager

    from ..plugins import bench_settings

    manager = PluginManager(settings=bench_settings(workdir))
    started = time.perf_counter()
    await manager.initialize()
    discovered = time.perf_counter()
    for plugin_id in manager.plugin_ids():
        await manager.load_plugin(plugin_id)
    loaded = time.perf_counter()
    enabled = sum(p["status"] == "enabled" for p in await manager.list_plugins())
    out = {
        "initialize_s": discovered - started,
        "load_all_s": loaded - discovered,
        "enabled": enabled,
        "rss": rss_bytes(),
    }
    await manager.shutdown()
    return out


async def restart(workdir: Path) -> dict[str, Any]:
    from plugin_admin import PluginManager

    from ..plugins import bench_settings

    manager = PluginManager(settings=bench_settings(workdir))
    started, cpu = time.perf_counter(), time.process_time()
    await manager.initialize()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    enabled = sum(p["status"] == "enabled" for p in await manager.list_plugins())
    out = {"initialize_s": elapsed, "cpu_s": cpu, "enabled": enabled, "rss": rss_bytes()}
    await manager.shutdown()
    return out


async def floor(workdir: Path) -> dict[str, Any]:
    from plugin_admin import PluginManager

    from ..plugins import bench_settings

    settings = bench_settings(workdir / "empty")
    manager = PluginManager(settings=settings)
    await manager.initialize()
    empty_rss = rss_bytes()
    await manager.shutdown()
    started = time.perf_counter()
    count = 0
    for folder in sorted((workdir / "plugins").iterdir()):
        json.loads((folder / "plugin.json").read_text())
        spec = importlib.util.spec_from_file_location(
            f"bench_floor_{folder.name}", folder / "__init__.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.create_plugin()
        count += 1
    return {"import_parse_s": time.perf_counter() - started, "count": count, "rss": empty_rss}


MODES = {"first": first, "restart": restart, "floor": floor}


def main() -> None:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    mode, workdir = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(asyncio.run(MODES[mode](workdir))))


if __name__ == "__main__":
    main()
