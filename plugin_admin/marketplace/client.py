"""Fetch the marketplace index and packages: http(s) via httpx, ``file://`` or a plain path.

One code path after the bytes arrive. The index is cached in ``marketplace_cache.json`` with a
TTL and revalidated with ETag / If-Modified-Since; when a refresh fails or is slow, callers get
the cached index (marked stale, with its age) after at most the timeout. Tests inject an httpx
transport instead of mocking.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import httpx
from loguru import logger

from ..errors import MarketplaceError, PackageError
from . import signing
from .index import ParsedIndex, parse_index

INDEX_FILE = "index.json"
MAX_INDEX_BYTES = 50 * 1024 * 1024
DEADLINE_FACTOR = 30  # a whole transfer may take this many PLUGIN_MARKETPLACE_TIMEOUTs
Progress = Callable[[str, float], None]


@dataclass
class IndexSnapshot:
    """An index as last seen, and what we know about its freshness and origin."""

    source: str
    index: ParsedIndex
    fetched_at: float
    signed: bool | None
    signer: str | None
    reachable: bool
    error: str | None = None

    def age(self) -> float:
        return max(0.0, time.time() - self.fetched_at)

    def entry_dicts(self) -> dict[str, dict[str, Any]]:
        """Entries as JSON-ready dicts, built once per snapshot (search runs on these)."""
        cached = getattr(self, "_dicts", None)
        if cached is None:
            cached = {pid: entry.to_dict() for pid, entry in self.index.entries.items()}
            self._dicts = cached
        return cached


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _local_path(url: str) -> Path:
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    return Path(url).expanduser()


class MarketplaceClient:
    """Reads one marketplace (``base``); see the module docstring."""

    def __init__(
        self,
        base: str,
        *,
        cache_path: Path,
        ttl: float,
        timeout: float,
        trusted_keys_dir: Path,
        require_signed: bool,
        max_download_bytes: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        base = str(base).strip()
        if base.endswith(".json"):  # the index itself was given: its folder is the base
            base = base.rsplit("/", 1)[0] if "/" in base else "."
        self.base = base
        self.cache_path = cache_path
        self.ttl = ttl
        self.timeout = timeout
        self.trusted_keys_dir = trusted_keys_dir
        self.require_signed = require_signed
        self.max_download_bytes = max_download_bytes
        # httpx timeouts are per read: a server trickling a byte a second would never end
        self.deadline = timeout * DEADLINE_FACTOR
        self.transport = transport
        self._snapshot: IndexSnapshot | None = None
        self._refresh_lock = asyncio.Lock()
        self._failed_at = 0.0
        self._last_error: str | None = None

    # ----------------------------------------------------------------------------- urls
    @property
    def index_url(self) -> str:
        return self.resolve(INDEX_FILE)

    def resolve(self, url: str) -> str:
        """Where a file the index names lives; refused when it is outside the marketplace.

        The index is untrusted: an http(s) marketplace may only send us to http(s) URLs, a
        local one only to files inside its own folder (never ``/dev/zero`` or ``/etc/shadow``).
        """
        if _is_http(self.base):
            target = urljoin(self.base.rstrip("/") + "/", url)
            if not _is_http(target):
                raise PackageError(
                    f"The marketplace index points at {url!r}, which is not an http(s) URL; "
                    f"packages from {self.base} are only downloaded over http(s). Ask the "
                    "publisher to fix the index."
                )
            return target
        folder = _local_path(self.base).resolve()
        if _is_http(url):
            raise PackageError(
                f"The marketplace index points at {url!r}, outside the local marketplace "
                f"folder {folder}; only files inside it are read. Ask the publisher to fix "
                "the index."
            )
        given = _local_path(url)
        target = (given if given.is_absolute() else folder / given).resolve()
        if not target.is_relative_to(folder):
            raise PackageError(
                f"The marketplace index points at {url!r}, outside the local marketplace "
                f"folder {folder}; only files inside it are read. Ask the publisher to fix "
                "the index."
            )
        return str(target)

    # --------------------------------------------------------------------------- fetching
    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport,
            timeout=httpx.Timeout(timeout, connect=timeout),
            follow_redirects=True,
            trust_env=self.transport is None,  # proxies from the environment (HTTPS_PROXY...)
        )

    async def _get(
        self,
        url: str,
        *,
        max_bytes: int,
        headers: dict[str, str] | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        hasher: Any = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers) for http; (200|404, bytes, {}) for files."""
        if not _is_http(url):
            return await asyncio.to_thread(self._read_local, url, max_bytes, hasher)
        chunks: list[bytes] = []
        received = 0
        try:
            async with (
                asyncio.timeout(self.deadline),
                self._client(self.timeout) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                if response.status_code != 200:
                    return response.status_code, b"", dict(response.headers)
                total = response.headers.get("content-length")
                expected = int(total) if total and total.isdigit() else None
                if expected is not None and expected > max_bytes:
                    raise PackageError(_too_big(url, expected, max_bytes))
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise PackageError(_too_big(url, received, max_bytes))
                    if hasher is not None:
                        hasher.update(chunk)
                    chunks.append(chunk)
                    if progress:
                        progress(received, expected)
                return 200, b"".join(chunks), dict(response.headers)
        except TimeoutError:
            raise MarketplaceError(
                f"{url} did not finish within {self.deadline:g} s (the transfer is too slow); "
                "try again later or check your network and proxy settings."
            ) from None
        except httpx.TimeoutException:
            raise MarketplaceError(
                f"{url} did not answer within {self.timeout:g} s; try again later or check "
                "PLUGIN_MARKETPLACE_URL and your proxy settings."
            ) from None
        except httpx.HTTPError as exc:
            raise MarketplaceError(
                f"Cannot reach {url} ({type(exc).__name__}: {exc}); check PLUGIN_MARKETPLACE_URL "
                "and your network or proxy settings."
            ) from None

    @staticmethod
    def _read_local(url: str, max_bytes: int, hasher: Any) -> tuple[int, bytes, dict[str, str]]:
        """A regular file's bytes, at most ``max_bytes``; never a link, device or FIFO."""
        path = _local_path(url)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except (FileNotFoundError, IsADirectoryError):
            return 404, b"", {}
        except OSError as exc:
            raise MarketplaceError(
                f"Cannot read {path}: {exc.strerror or exc} (symbolic links are not followed)."
            ) from None
        with os.fdopen(fd, "rb", buffering=0) as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                return 404, b"", {}
            if not stat.S_ISREG(info.st_mode):
                raise PackageError(
                    f"{path} is not a regular file (a device, FIFO or socket); the marketplace "
                    "may only serve regular files."
                )
            if info.st_size > max_bytes:
                raise PackageError(_too_big(url, info.st_size, max_bytes))
            chunks: list[bytes] = []
            received = 0
            try:
                while chunk := handle.read(min(1024 * 1024, max_bytes + 1 - received)):
                    received += len(chunk)
                    if received > max_bytes:
                        raise PackageError(_too_big(url, received, max_bytes))
                    chunks.append(chunk)
            except OSError as exc:
                raise MarketplaceError(f"Cannot read {path}: {exc}.") from None
        data = b"".join(chunks)
        if hasher is not None:
            hasher.update(data)
        return 200, data, {}

    async def download(self, url: str, checksum: str | None, progress: Progress | None) -> bytes:
        """A package's bytes, refused unless their sha256 equals ``checksum``."""
        if not checksum:
            raise PackageError(
                f"The marketplace gives no checksum for {url}: packages without a sha256 are "
                "never installed. Ask the publisher to rebuild the index."
            )
        target = self.resolve(url)
        hasher = hashlib.sha256()

        def report(received: int, total: int | None) -> None:
            if progress and total:
                progress("download", min(1.0, received / total))

        status, data, _ = await self._get(
            target, max_bytes=self.max_download_bytes, progress=report, hasher=hasher
        )
        if status != 200:
            raise MarketplaceError(
                f"Downloading {target} failed (HTTP {status}); the marketplace index may be "
                "out of date: clear the marketplace cache and try again."
            )
        if progress:
            progress("download", 1.0)
            progress("verify", 0.0)
        actual = "sha256:" + hasher.hexdigest()
        if actual != checksum.lower():
            raise PackageError(
                f"Checksum mismatch for {target}: the index says {checksum}, the download is "
                f"{actual}. The package was not installed; the marketplace or a proxy served "
                "different bytes."
            )
        if progress:
            progress("verify", 1.0)
        return data

    # ------------------------------------------------------------------------------ index
    async def index(self, *, force: bool = False) -> IndexSnapshot:
        """The index: from memory/cache while fresh, else refreshed (cache on failure)."""
        # parsing a large index takes a while: never on the event loop
        current = self._snapshot or await asyncio.to_thread(self._load_cache)
        retry_after = min(self.ttl, 60.0)  # a down marketplace is not asked on every call
        recently_failed = time.time() - self._failed_at < retry_after
        if current is None and not force and recently_failed and self._last_error:
            raise MarketplaceError(self._last_error)
        if current is not None and not force:
            if current.error is None and current.age() < self.ttl:
                return current
            if current.error is not None and recently_failed:
                return current
        async with self._refresh_lock:
            if (
                self._snapshot is not None
                and self._snapshot is not current
                and not force
                and self._snapshot.error is None
            ):
                return self._snapshot  # another caller refreshed while we waited
            try:
                snapshot = await asyncio.wait_for(self._refresh(current), self.timeout)
            except (MarketplaceError, TimeoutError) as exc:
                message = (
                    exc.message
                    if isinstance(exc, MarketplaceError)
                    else f"The marketplace at {self.base} did not answer within {self.timeout:g} s."
                )
                self._failed_at, self._last_error = time.time(), message
                if current is None:
                    raise MarketplaceError(message) from None
                logger.warning("marketplace refresh failed, serving the cache: {}", message)
                current.reachable, current.error = False, message
                self._snapshot = current
                return current
            self._snapshot, self._last_error = snapshot, None
            return snapshot

    async def _refresh(self, current: IndexSnapshot | None) -> IndexSnapshot:
        cached = self._read_cache_file() if current is not None else None
        headers: dict[str, str] = {}
        if cached and _is_http(self.index_url):
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        status, body, response_headers = await self._get(
            self.index_url, max_bytes=MAX_INDEX_BYTES, headers=headers
        )
        if status == 304 and cached:
            cached["fetched_at"] = time.time()
            self._write_cache(cached)
            if current is not None and current.source == self.base:
                current.fetched_at, current.reachable, current.error = (
                    cached["fetched_at"],
                    True,
                    None,
                )
                return current  # unchanged: no need to parse it again
            return await asyncio.to_thread(self._snapshot_from, cached, reachable=True)
        if status != 200:
            raise MarketplaceError(
                f"The marketplace index {self.index_url} answered HTTP {status}; check "
                "PLUGIN_MARKETPLACE_URL."
            )
        sig_status, signature, _ = await self._get(
            self.index_url + signing.SIGNATURE_SUFFIX, max_bytes=64 * 1024
        )
        record = {
            "source": self.base,
            "fetched_at": time.time(),
            "etag": response_headers.get("etag"),
            "last_modified": response_headers.get("last-modified"),
            "index_text": body.decode("utf-8", errors="replace"),
            "signature": signature.decode("ascii", "replace") if sig_status == 200 else None,
        }
        snapshot = await asyncio.to_thread(self._snapshot_from, record, reachable=True, raw=body)
        self._write_cache(record)
        return snapshot

    def _snapshot_from(
        self, record: dict[str, Any], *, reachable: bool, raw: bytes | None = None
    ) -> IndexSnapshot:
        data = raw if raw is not None else record["index_text"].encode("utf-8")
        signed, signer = self._check_signature(data, record.get("signature"))
        return IndexSnapshot(
            source=self.base,
            index=parse_index(data, source=self.index_url),
            fetched_at=float(record["fetched_at"]),
            signed=signed,
            signer=signer,
            reachable=reachable,
        )

    def _check_signature(
        self, data: bytes, signature: str | None
    ) -> tuple[bool | None, str | None]:
        """(signed, key name). A present but invalid signature is always refused."""
        if signature is None:
            if self.require_signed:
                raise MarketplaceError(
                    f"The marketplace index {self.index_url} is not signed and "
                    "PLUGIN_REQUIRE_SIGNED_INDEX is true; ask the publisher for a signed index "
                    "(index.json.sig) or turn the setting off."
                )
            return False, None
        keys = signing.trusted_keys(self.trusted_keys_dir)
        if not keys:
            if self.require_signed:
                raise MarketplaceError(
                    f"The marketplace index is signed but no trusted key is installed in "
                    f"{self.trusted_keys_dir}; add the publisher's public key (PEM) there."
                )
            return None, None  # signed, but we cannot tell by whom
        signer = signing.verify(data, signature.encode("ascii", "replace"), keys)
        if signer is None:
            raise MarketplaceError(
                f"The signature of the marketplace index {self.index_url} does not match any "
                f"trusted key in {self.trusted_keys_dir}: the index was refused (tampered with, "
                "or signed by an unknown publisher)."
            )
        return True, signer

    async def check_connection(self) -> dict[str, Any]:
        """Fetch the index now, bypassing the cache; never raises."""
        started = time.perf_counter()
        try:
            snapshot = await self.index(force=True)
        except MarketplaceError as exc:
            return {"source": self.base, "ok": False, "error": exc.message}
        return {
            "source": self.base,
            "ok": snapshot.reachable,
            "error": snapshot.error,
            "count": len(snapshot.index.entries),
            "signed": snapshot.signed,
            "invalid_entries": snapshot.index.errors,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    # ------------------------------------------------------------------------------ cache
    def _read_cache_file(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("source") != self.base:
            return None  # a cache of another marketplace
        if not isinstance(record.get("index_text"), str) or "fetched_at" not in record:
            return None
        return record

    def _load_cache(self) -> IndexSnapshot | None:
        record = self._read_cache_file()
        if record is None:
            return None
        try:
            snapshot = self._snapshot_from(record, reachable=True)
        except MarketplaceError as exc:
            logger.warning("ignoring the marketplace cache: {}", exc.message)
            return None
        self._snapshot = snapshot
        return snapshot

    def _write_cache(self, record: dict[str, Any]) -> None:
        """Best effort: a read-only or full data folder must not fail a fetched index."""
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.cache_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(record), encoding="utf-8")
            os.replace(temporary, self.cache_path)
        except OSError as exc:
            logger.warning("could not write the marketplace cache {}: {}", self.cache_path, exc)

    def clear_cache(self) -> bool:
        """Forget the cached index (memory and disk); True when there was one."""
        self._snapshot, self._failed_at, self._last_error = None, 0.0, None
        try:
            self.cache_path.unlink()
        except FileNotFoundError:
            return False
        return True


def _too_big(url: str, size: int, limit: int) -> str:
    return (
        f"{url} is {size} bytes or more, over the {limit} byte limit (PLUGIN_MAX_FILE_SIZE_MB); "
        "the package was not installed."
    )
