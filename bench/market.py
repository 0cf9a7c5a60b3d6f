"""A generated marketplace: an index of N contract-shaped entries, optionally backed by real
packages, and a throw-away HTTP server for it on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CATEGORIES = ["filtering", "security", "analytics", "productivity", "integration", "language"]
TAGS = ["spam", "pii", "nlp", "links", "attachments", "tagging", "gdpr", "ml", "rules", "i18n"]
WORDS = [
    "smart",
    "fast",
    "secure",
    "mail",
    "inbox",
    "filter",
    "detect",
    "redact",
    "classify",
    "route",
    "summarise",
    "scan",
]


def entry(i: int, rng: random.Random, **overrides: Any) -> dict[str, Any]:
    """One index entry shaped like CONTRACT.md's example (two listed versions)."""
    plugin_id = f"market_{i:05d}"
    words = rng.sample(WORDS, 3)
    data: dict[str, Any] = {
        "plugin_id": plugin_id,
        "name": f"{words[0].title()} {words[1].title()} {i}",
        "version": "1.1.0",
        "author": f"publisher {i % 97}",
        "description": f"{' '.join(words)} plugin number {i} for the email platform",
        "download_url": f"{plugin_id}-1.1.0.zip",
        "checksum": "sha256:" + hashlib.sha256(plugin_id.encode()).hexdigest(),
        "size": 4000 + i,
        "tags": rng.sample(TAGS, 2),
        "category": CATEGORIES[i % len(CATEGORIES)],
        "rating": round(rng.uniform(1, 5), 1),
        "downloads": rng.randrange(0, 100_000),
        "last_updated": 1_700_000_000.0 + i,
        "permissions": ["read:emails"],
        "security_level": "standard",
        "versions": [
            {
                "version": "1.0.0",
                "download_url": f"{plugin_id}-1.0.0.zip",
                "checksum": "sha256:" + hashlib.sha256(f"{plugin_id}-1.0".encode()).hexdigest(),
                "released_at": 1_690_000_000.0 + i,
                "changelog": "first release",
            }
        ],
    }
    data.update(overrides)
    return data


def index_bytes(count: int, extra: list[dict[str, Any]] | None = None, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    plugins = [entry(i, rng) for i in range(count)] + list(extra or [])
    return json.dumps({"format": 1, "plugins": plugins}).encode()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a thread); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="bench-market", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
