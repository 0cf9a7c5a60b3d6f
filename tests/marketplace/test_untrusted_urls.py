"""An untrusted index must not send the host to read arbitrary files or stream forever."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from plugin_admin.errors import MarketplaceError, PackageError
from plugin_admin.marketplace.client import MarketplaceClient

CHECKSUM = "sha256:" + "0" * 64


def client_for(base: str, tmp_path: Path, **kwargs) -> MarketplaceClient:
    values = {
        "cache_path": tmp_path / "cache.json",
        "ttl": 60.0,
        "timeout": 2.0,
        "trusted_keys_dir": tmp_path / "keys",
        "require_signed": False,
        "max_download_bytes": 1024,
    }
    values.update(kwargs)
    return MarketplaceClient(base, **values)


@pytest.mark.parametrize(
    "url", ["file:///dev/zero", "file:///etc/passwd", "/etc/passwd", "../secret.zip"]
)
def test_a_local_marketplace_only_serves_files_inside_its_folder(tmp_path, url):
    market = tmp_path / "market"
    market.mkdir()
    (tmp_path / "secret.zip").write_bytes(b"secret")
    client = client_for(str(market), tmp_path)
    with pytest.raises(PackageError, match="outside the local marketplace folder"):
        client.resolve(url)
    assert client.resolve("good-1.0.zip") == str((market / "good-1.0.zip").resolve())


@pytest.mark.parametrize("url", ["file:///dev/zero", "file:///etc/passwd"])
async def test_an_http_marketplace_cannot_point_at_local_files(tmp_path, url):
    client = client_for("https://market.example/plugins", tmp_path)
    with pytest.raises(PackageError, match="not an http"):
        await client.download(url, CHECKSUM, None)
    assert client.resolve("a.zip") == "https://market.example/plugins/a.zip"
    assert client.resolve("https://cdn.example/a.zip") == "https://cdn.example/a.zip"


async def test_a_link_inside_the_market_to_a_device_is_refused(tmp_path):
    market = tmp_path / "market"
    market.mkdir()
    (market / "zero.zip").symlink_to("/dev/zero")
    os.mkfifo(market / "fifo.zip")
    client = client_for(str(market), tmp_path)
    with pytest.raises(PackageError):
        await client.download("zero.zip", CHECKSUM, None)  # resolves outside the folder
    with pytest.raises(PackageError, match="not a regular file"):
        await client.download("fifo.zip", CHECKSUM, None)  # would block forever if opened


async def test_a_local_file_is_read_no_further_than_the_limit(tmp_path):
    market = tmp_path / "market"
    market.mkdir()
    (market / "big.zip").write_bytes(b"x" * 2048)
    client = client_for(str(market), tmp_path)
    with pytest.raises(PackageError, match="over the 1024 byte limit"):
        await client.download("big.zip", CHECKSUM, None)


async def test_a_trickling_download_gives_up_at_the_overall_deadline(tmp_path):
    async def trickle():
        while True:  # one byte at a time, each well within any per-read timeout
            await asyncio.sleep(0.01)
            yield b"x"

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    client = client_for(
        "https://market.example/plugins",
        tmp_path,
        max_download_bytes=10**9,
        transport=httpx.MockTransport(handler),
    )
    client.deadline = 0.5
    with pytest.raises(MarketplaceError, match="did not finish within 0.5 s"):
        await asyncio.wait_for(client.download("slow.zip", CHECKSUM, None), 10)
