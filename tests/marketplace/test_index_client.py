"""The index client: cache, revalidation, outages, garbage, slowness and signatures."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from plugin_admin import MarketplaceError
from plugin_admin.marketplace import signing


def mock_market(market_dir: Path, calls: list[httpx.Request], state: dict) -> httpx.MockTransport:
    """Serves ``market_dir`` like a CDN (ETag, 304) unless ``state`` says down/garbage/slow."""

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if state.get("down"):
            raise httpx.ConnectError("connection refused", request=request)
        if state.get("slow"):
            await asyncio.sleep(state["slow"])
        name = request.url.path.rsplit("/", 1)[-1]
        path = market_dir / name
        if name == "index.json" and state.get("garbage"):
            return httpx.Response(200, content=b"<html>proxy login</html>")
        if not path.is_file():
            return httpx.Response(404)
        etag = f'"{path.stat().st_mtime_ns}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"etag": etag})
        return httpx.Response(200, content=path.read_bytes(), headers={"etag": etag})

    return httpx.MockTransport(handler)


@pytest.fixture
async def mocked(market_dir, market_manager):
    calls: list[httpx.Request] = []
    state: dict = {}

    async def start(**overrides):
        manager = await market_manager("https://market.example/plugins", **overrides)
        manager.marketplace_transport = mock_market(market_dir, calls, state)
        return manager

    return start, calls, state


async def test_cache_serves_browsing_while_the_marketplace_is_down(mocked):
    start, _calls, state = mocked
    manager = await start(plugin_marketplace_cache_ttl=0)
    assert len(await manager.search_marketplace()) == 2
    info = await manager.marketplace_info()
    assert info["reachable"] is True and info["count"] == 2 and info["error"] is None
    cache = json.loads(manager.settings.marketplace_cache_path.read_text())
    assert cache["source"] == "https://market.example/plugins"

    state["down"] = True
    results = await manager.search_marketplace()
    assert [e["plugin_id"] for e in results] == ["alpha", "beta"]
    info = await manager.marketplace_info()
    assert info["reachable"] is False and info["stale"] is True
    assert "Cannot reach" in info["error"] and info["age_seconds"] >= 0

    # a restart with the marketplace still down browses from marketplace_cache.json
    await manager.shutdown()
    restarted = await start(plugin_marketplace_cache_ttl=0)
    assert len(await restarted.search_marketplace()) == 2
    connection = await restarted.test_marketplace_connection()
    assert connection["ok"] is False and "Cannot reach" in connection["error"]


async def test_stale_index_is_revalidated_with_etag(mocked):
    start, calls, _state = mocked
    manager = await start(plugin_marketplace_cache_ttl=0)
    await manager.search_marketplace()
    first = len(calls)
    await manager.search_marketplace()
    index_requests = [r for r in calls[first:] if r.url.path.endswith("index.json")]
    assert index_requests and index_requests[0].headers.get("if-none-match")
    assert (await manager.marketplace_info())["reachable"] is True


async def test_fresh_cache_is_not_refetched(mocked):
    start, calls, _state = mocked
    manager = await start(plugin_marketplace_cache_ttl=300)
    await manager.search_marketplace()
    count = len(calls)
    await manager.search_marketplace(category="analysis")
    assert len(calls) == count
    cleared = await manager.clear_marketplace_cache()
    assert cleared["cleared"] is True
    await manager.search_marketplace()
    assert len(calls) > count


async def test_garbage_index_is_a_marketplace_error(mocked):
    start, _calls, state = mocked
    state["garbage"] = True
    manager = await start()
    with pytest.raises(MarketplaceError, match="not valid JSON"):
        await manager.search_marketplace()
    info = await manager.marketplace_info()
    assert info["reachable"] is False and info["count"] == 0


async def test_slow_marketplace_never_blocks_beyond_the_timeout(mocked):
    start, _calls, state = mocked
    manager = await start(plugin_marketplace_timeout=0.5, plugin_marketplace_cache_ttl=0)
    await manager.search_marketplace()
    state["slow"] = 5
    started = time.perf_counter()
    results = await manager.search_marketplace()
    assert time.perf_counter() - started < 2
    assert len(results) == 2  # served from the cache
    info = await manager.marketplace_info()
    assert "did not answer within 0.5 s" in info["error"]


async def test_slow_real_http_server_times_out(tmp_path, market_manager):
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(3)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        manager = await market_manager(
            f"http://127.0.0.1:{server.server_address[1]}", plugin_marketplace_timeout=0.5
        )
        started = time.perf_counter()
        with pytest.raises(MarketplaceError, match="within 0.5 s"):
            await manager.search_marketplace()
        assert time.perf_counter() - started < 2
    finally:
        server.shutdown()
        server.server_close()


async def test_one_bad_entry_does_not_hide_the_good_ones(tmp_path, market_dir, market_manager):
    index = json.loads((market_dir / "index.json").read_text())
    del index["plugins"][1]["checksum"]
    index["plugins"].append({"plugin_id": "Bad Id", "name": "x"})
    (market_dir / "index.json").write_text(json.dumps(index))
    manager = await market_manager(market_dir)
    assert [e["plugin_id"] for e in await manager.search_marketplace()] == ["alpha"]
    info = await manager.marketplace_info()
    assert any("entry 1 ('beta')" in e and "field checksum" in e for e in info["invalid_entries"])
    assert any(
        "entry 2 ('Bad Id')" in e and "field plugin_id" in e for e in info["invalid_entries"]
    )


# ------------------------------------------------------------------------------ signatures
@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    trusted = tmp_path / "trusted_keys"
    trusted.mkdir()
    signing.generate_key_pair(tmp_path / "publisher.key", trusted / "publisher.pem")
    return tmp_path / "publisher.key", trusted


def sign_market(market_dir: Path, key: Path) -> None:
    data = (market_dir / "index.json").read_bytes()
    (market_dir / "index.json.sig").write_bytes(signing.sign(data, signing.load_private_key(key)))


async def test_signed_index_is_verified_and_shown(market_dir, market_manager, keys):
    sign_market(market_dir, keys[0])
    manager = await market_manager(market_dir, plugin_require_signed_index=True)
    info = await manager.marketplace_info()
    assert info["signed"] is True and info["signer"] == "publisher.pem"
    await manager.install_plugin("beta")
    assert (await manager.get_plugin("beta"))["provenance"]["signed_index"] is True


async def test_tampered_index_is_refused(market_dir, market_manager, keys):
    sign_market(market_dir, keys[0])
    index = market_dir / "index.json"
    index.write_text(index.read_text().replace("Beta analyser", "Beta analyzer"))
    manager = await market_manager(market_dir)
    with pytest.raises(MarketplaceError, match="does not match any trusted key"):
        await manager.search_marketplace()


async def test_unsigned_index_refused_when_signatures_are_required(market_dir, market_manager):
    manager = await market_manager(market_dir, plugin_require_signed_index=True)
    with pytest.raises(MarketplaceError, match="not signed and PLUGIN_REQUIRE_SIGNED_INDEX"):
        await manager.install_plugin("beta")
    assert manager.plugin_ids() == []


async def test_signature_over_http(market_dir, market_manager, keys):
    from tests.marketplace.helpers import served

    sign_market(market_dir, keys[0])
    with served(market_dir) as url:
        manager = await market_manager(url, plugin_require_signed_index=True)
        result = await manager.install_plugin("alpha")
    assert result["version"] == "2.0.0"


@pytest.mark.parametrize(
    "form",
    ["path", "file-url", "index-file"],
    ids=["plain-path", "file-url", "url-of-index-json"],
)
async def test_every_url_form_reaches_the_same_index(market_dir, market_manager, form):
    url = {
        "path": str(market_dir),
        "file-url": market_dir.as_uri(),
        "index-file": str(market_dir / "index.json"),
    }[form]
    manager = await market_manager(url)
    assert [e["plugin_id"] for e in await manager.search_marketplace()] == ["alpha", "beta"]
    assert (await manager.install_plugin("beta"))["version"] == "0.1"


async def test_without_a_cache_a_down_marketplace_is_not_waited_for_on_every_call(mocked):
    start, _calls, state = mocked
    state["slow"] = 5
    manager = await start(plugin_marketplace_timeout=0.5)
    with pytest.raises(MarketplaceError, match="within 0.5 s"):
        await manager.search_marketplace()
    started = time.perf_counter()
    with pytest.raises(MarketplaceError, match="within 0.5 s"):
        await manager.search_marketplace()  # the last error, at once
    assert time.perf_counter() - started < 0.3
    state["slow"] = 0
    assert (await manager.test_marketplace_connection())["ok"] is True  # always asks
    assert len(await manager.search_marketplace()) == 2


async def test_last_modified_revalidation_keeps_the_index(market_dir, market_manager):
    """A server without ETags: If-Modified-Since, 304, and the index stays usable."""
    stamp = "Wed, 25 Nov 2026 10:00:00 GMT"
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name != "index.json":
            return httpx.Response(404)
        seen.append(request.headers.get("if-modified-since"))
        if request.headers.get("if-modified-since") == stamp:
            return httpx.Response(304)
        body = (market_dir / "index.json").read_bytes()
        return httpx.Response(200, content=body, headers={"last-modified": stamp})

    manager = await market_manager("https://market.example", plugin_marketplace_cache_ttl=0)
    manager.marketplace_transport = httpx.MockTransport(handler)
    assert len(await manager.search_marketplace()) == 2
    assert len(await manager.search_marketplace()) == 2
    assert seen == [None, stamp]
    assert (await manager.marketplace_info())["reachable"] is True


async def test_an_unwritable_cache_does_not_fail_a_fetched_index(mocked):
    start, _, _ = mocked
    manager = await start()
    cache = manager.settings.marketplace_cache_path
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.with_suffix(".tmp").mkdir()  # the cache's temporary file cannot be created
    entries = await manager.search_marketplace()
    assert entries and not cache.exists()
