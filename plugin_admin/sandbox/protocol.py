"""The wire format between the host and a sandbox worker: length-prefixed JSON frames.

Each frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (one
object). Frames travel over two dedicated pipes passed to the worker with ``pass_fds``, never
stdin/stdout, so a plugin's ``print`` cannot corrupt the channel. A frame longer than
:data:`MAX_FRAME` or that is not a JSON object is a protocol violation: the host kills the worker.

Messages (``t`` is the type)::

    worker -> host  {"t": "hello", "protocol": 1, "pid": ...}        once, at start
    host -> worker  {"t": "load", "plugin_id", "manifest", "config"} -> result {capabilities}
    host -> worker  {"t": "call", "hook", "kwargs"}                   -> result
    host -> worker  {"t": "reconfigure", "config"} / {"t": "stop"}    -> result
    worker -> host  {"t": "ctx", "m": method, "a": {args}}            a PluginContext call
    host -> worker  {"t": "ctx_result", "ok", "value" | "error"}
    worker -> host  {"t": "result", "ok", "value" | "error"}

Bytes (attachments, data files) travel base64-encoded in the fields that carry them.
"""

from __future__ import annotations

import json
import os
from typing import Any

PROTOCOL_VERSION = 1
MAX_FRAME = 16 * 1024 * 1024  # fits a 10 MiB data file base64-encoded, plus its envelope
HEADER = 4
READ_CHUNK = 65536  # below glibc's mmap threshold: a 1 MiB read buffer costs an mmap per call


class ProtocolError(Exception):
    """The peer sent something that is not a valid frame (too large, not JSON, cut short)."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame: length header plus compact JSON."""
    try:
        payload = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    except (ValueError, TypeError) as exc:  # NaN/Infinity, or not JSON at all
        raise ProtocolError(f"message is not strict JSON ({exc})") from None
    if len(payload) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(payload)} bytes is over the {MAX_FRAME}-byte limit")
    return len(payload).to_bytes(HEADER, "big") + payload


def decode_payload(payload: bytes | bytearray | memoryview) -> dict[str, Any]:
    try:
        message = json.loads(
            payload if isinstance(payload, bytes) else bytes(payload),
            parse_constant=_refuse_constant,
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"frame is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise ProtocolError("frame is not a JSON object with a 't' field")
    return message


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: a frame carrying them is refused, never passed on."""
    raise ValueError(f"{name} is not JSON")


class FrameBuffer:
    """Accumulates bytes read from a pipe and yields complete frames (host side, non-blocking)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        buffer = self._buffer
        if not buffer and len(data) > HEADER:  # the usual case: exactly one whole frame
            size = int.from_bytes(data[:HEADER], "big")
            if len(data) == HEADER + size and size <= MAX_FRAME:
                return [decode_payload(data[HEADER:])]
        buffer += data
        messages = []
        while len(buffer) >= HEADER:
            size = int.from_bytes(buffer[:HEADER], "big")
            if size > MAX_FRAME:
                raise ProtocolError(
                    f"frame header announces {size} bytes, over the {MAX_FRAME}-byte limit"
                )
            end = HEADER + size
            if len(buffer) < end:
                break
            messages.append(decode_payload(memoryview(buffer)[HEADER:end]))
            del buffer[:end]
        return messages


class BlockingReader:
    """Blocking frame reader for the worker: one ``os.read`` per frame in the common case."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._frames = FrameBuffer()
        self._ready: list[dict[str, Any]] = []

    def read(self) -> dict[str, Any]:
        while not self._ready:
            chunk = os.read(self.fd, READ_CHUNK)
            if not chunk:
                raise EOFError("channel closed")
            self._ready.extend(self._frames.feed(chunk))
        return self._ready.pop(0)


def write_all(fd: int, data: bytes) -> None:
    """Blocking write of a whole frame (worker side)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
