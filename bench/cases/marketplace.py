"""Case 5: a 10,000-entry marketplace index: parse, search, filter, sort, and the console's
table refresh, each against the plain-Python floor of the same work.

* parse: ``marketplace.index.parse_index`` (pydantic, one model per entry) vs ``json.loads``;
* search/filter/sort: ``marketplace.search.search_entries`` on the entry dicts vs a list
  comprehension (or ``sorted``) doing the same selection;
* ``manager.search_marketplace``: the call the API and console make (cached index, each entry
  annotated with its installed state);
* console refresh: the Marketplace tab's ``search`` handler (table frame, category and tag
  choices, source line) vs ``manager.search_marketplace`` alone.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path
from typing import Any

from plugin_admin import PluginManager

from ..core import Options, Row, Stats, ratio, time_async, time_sync
from ..market import index_bytes
from ..plugins import bench_settings

NAME = "marketplace"
TARGET_MS = 50.0


def unavailable() -> str | None:
    for module in ("plugin_admin.marketplace.index", "plugin_admin.marketplace.search"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not there yet"
    if not hasattr(PluginManager, "search_marketplace"):
        return "PluginManager.search_marketplace is not there yet"
    return None


def _floor_filter(entries: list[dict[str, Any]], category: str, tag: str) -> list[dict[str, Any]]:
    hits = [e for e in entries if e.get("category") == category and tag in e.get("tags", ())]
    hits.sort(key=lambda e: (e["name"].lower(), e["plugin_id"]))
    return hits[:50]


def _floor_text(entries: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    hits = []
    for e in entries:
        text = f"{e['plugin_id']} {e['name']} {e['description']} {e['author']}".lower()
        if all(w in text for w in words):
            hits.append(e)
    hits.sort(key=lambda e: (e["name"].lower(), e["plugin_id"]))
    return hits[:50]


async def run(opts: Options) -> list[Row]:
    rows: list[Row] = []
    for n in opts.sizes_for(NAME, [10_000], [500]):
        rows += await _one_size(n, opts)
    return rows


async def _one_size(n: int, opts: Options) -> list[Row]:
    from plugin_admin.marketplace.index import parse_index
    from plugin_admin.marketplace.search import search_entries

    data = index_bytes(n)
    reps = opts.scale(5, 2)
    loads = Stats.of(time_sync(lambda: json.loads(data), reps, warmup=1))
    parsed_stats = Stats.of(time_sync(lambda: parse_index(data), reps, warmup=1))
    parsed = parse_index(data)
    if len(parsed.entries) != n or parsed.errors:
        raise RuntimeError(f"parse_index kept {len(parsed.entries)} of {n}: {parsed.errors[:2]}")
    entries = [e.to_dict() for e in parsed.entries.values()]
    to_dicts = Stats.of(
        time_sync(lambda: [e.to_dict() for e in parsed.entries.values()], reps, warmup=1)
    )
    rows = [
        loads.row(f"5 market {n}: json.loads index", note="baseline"),
        parsed_stats.row(
            f"5 market {n}: parse_index", baseline="json.loads", ratio=ratio(parsed_stats, loads)
        ),
        to_dicts.row(
            f"5 market {n}: entry dicts (once per index)",
            baseline="json.loads",
            ratio=ratio(to_dicts, loads),
        ),
    ]

    reps = opts.scale(30, 5)
    filt = {"category": "security", "tags": ["pii"]}
    expected = _floor_filter(entries, "security", "pii")
    got = search_entries(entries, **filt)
    if [e["plugin_id"] for e in got] != [e["plugin_id"] for e in expected]:
        raise RuntimeError("search_entries and the floor disagree on the filter")
    floor_f = Stats.of(time_sync(lambda: _floor_filter(entries, "security", "pii"), reps))
    filter_s = Stats.of(time_sync(lambda: search_entries(entries, **filt), reps, warmup=2))
    floor_t = Stats.of(time_sync(lambda: _floor_text(entries, ["secure", "mail"]), reps))
    text_s = Stats.of(
        time_sync(lambda: search_entries(entries, query="secure mail"), reps, warmup=2)
    )
    floor_sort = Stats.of(time_sync(lambda: sorted(entries, key=lambda e: -e["rating"])[:50], reps))
    sort_s = Stats.of(time_sync(lambda: search_entries(entries, sort="rating"), reps, warmup=2))
    rows += [
        floor_f.row(f"5 market {n}: filter floor (list comp)", note="baseline"),
        filter_s.row(
            f"5 market {n}: search_entries category+tag",
            baseline="filter floor",
            ratio=ratio(filter_s, floor_f),
            target=f"≤{TARGET_MS:g} ms",
            met=filter_s.p50_us <= TARGET_MS * 1000,
        ),
        floor_t.row(f"5 market {n}: text floor (list comp)", note="baseline"),
        text_s.row(
            f"5 market {n}: search_entries 2-word text",
            baseline="text floor",
            ratio=ratio(text_s, floor_t),
        ),
        floor_sort.row(f"5 market {n}: sort floor (sorted)", note="baseline"),
        sort_s.row(
            f"5 market {n}: search_entries sort=rating",
            baseline="sort floor",
            ratio=ratio(sort_s, floor_sort),
        ),
    ]
    rows += await _through_manager(data, n, filter_s, opts)
    return rows


async def _through_manager(data: bytes, n: int, filter_s: Stats, opts: Options) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-market-") as tmp:
        market = Path(tmp) / "market"
        market.mkdir()
        (market / "index.json").write_bytes(data)
        settings = bench_settings(
            Path(tmp), plugin_marketplace_url=str(market), plugin_marketplace_cache_ttl=3600
        )
        manager = PluginManager(settings=settings)
        await manager.initialize()
        try:
            reps = opts.scale(30, 3)
            first = await manager.search_marketplace(category="security", tags=["pii"])
            if not first:
                raise RuntimeError("manager.search_marketplace found nothing")
            search = Stats.of(
                await time_async(
                    lambda: manager.search_marketplace(category="security", tags=["pii"]),
                    reps,
                    warmup=1,
                )
            )
            rows = [
                search.row(
                    f"5 market {n}: manager.search_marketplace filter",
                    baseline="search_entries",
                    ratio=ratio(search, filter_s),
                    target=f"≤{TARGET_MS:g} ms",
                    met=search.p50_us <= TARGET_MS * 1000,
                    note="cached index; installed state added to the returned page",
                )
            ]
            rows += await _console(manager, n, reps)
            return rows
        finally:
            await manager.shutdown()


async def _console(manager: PluginManager, n: int, reps: int) -> list[Row]:
    if importlib.util.find_spec("plugin_admin.ui.marketplace") is None:
        return []
    from plugin_admin.ui.marketplace import MarketplaceTab

    tab = MarketplaceTab(manager)
    frame = (await tab.search("", "any", None, "name"))[0]
    if len(frame) != min(n, 500):
        raise RuntimeError(f"the console table shows {len(frame)} rows, not {min(n, 500)}")
    same = Stats.of(await time_async(lambda: manager.search_marketplace(limit=500), reps, warmup=1))
    refresh = Stats.of(
        await time_async(lambda: tab.search("", "any", None, "name"), reps, warmup=1)
    )
    return [
        same.row(f"5 market {n}: search_marketplace limit=500", note="baseline"),
        refresh.row(
            f"5 market {n}: console table refresh (500 rows)",
            baseline="search_marketplace",
            ratio=ratio(refresh, same),
            note="MarketplaceTab.search: frame + category/tag choices + source line",
        ),
    ]
