"""The raw-pipe baseline of case 2: a minimal process that answers each frame at once.

Frames are the sandbox protocol's own shape (4-byte big-endian length + JSON object) on
stdin/stdout; each request is decoded and a result frame is encoded and sent back, so the
baseline pays the same JSON and pipe costs a worker does, and nothing else.
"""

from __future__ import annotations

import json
import os
import sys


def read_exact(fd: int, n: int) -> bytes:
    chunks = b""
    while len(chunks) < n:
        chunk = os.read(fd, n - len(chunks))
        if not chunk:
            raise EOFError
        chunks += chunk
    return chunks


def main() -> None:
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    while True:
        try:
            size = int.from_bytes(read_exact(inp, 4), "big")
        except EOFError:
            return
        message = json.loads(read_exact(inp, size))
        reply = json.dumps({"t": "result", "ok": True, "value": message.get("kwargs")}).encode()
        os.write(out, len(reply).to_bytes(4, "big") + reply)


if __name__ == "__main__":
    main()
