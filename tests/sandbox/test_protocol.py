"""The frame codec on its own: whole, split and concatenated frames; what is refused."""

from __future__ import annotations

import os

import pytest

from plugin_admin.sandbox.protocol import (
    MAX_FRAME,
    BlockingReader,
    FrameBuffer,
    ProtocolError,
    encode,
    write_all,
)


def test_frames_survive_any_split_and_concatenation() -> None:
    messages = [{"t": "call", "n": i, "text": "é" * i} for i in range(5)]
    stream = b"".join(encode(m) for m in messages)
    for step in (1, 3, 7, len(stream)):
        frames = FrameBuffer()
        received = []
        for start in range(0, len(stream), step):
            received += frames.feed(stream[start : start + step])
        assert received == messages


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ((MAX_FRAME + 1).to_bytes(4, "big"), "over the"),
        ((8).to_bytes(4, "big") + b"not json", "not valid JSON"),
        ((2).to_bytes(4, "big") + b"[]", "JSON object"),
        ((6).to_bytes(4, "big") + b'{"a":1', "not valid JSON"),
        ((4096).to_bytes(4, "big") + b"[" * 4096, "not valid JSON"),
    ],
)
def test_bad_frames_are_protocol_errors(data: bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        FrameBuffer().feed(data)


def test_oversized_messages_are_refused_before_sending() -> None:
    with pytest.raises(ProtocolError, match="over the"):
        encode({"t": "result", "value": "x" * (MAX_FRAME + 1)})


def test_blocking_reader_reads_frames_written_in_one_go() -> None:
    read_fd, write_fd = os.pipe()
    try:
        write_all(write_fd, encode({"t": "a"}) + encode({"t": "b"}))
        os.close(write_fd)
        reader = BlockingReader(read_fd)
        assert [reader.read()["t"], reader.read()["t"]] == ["a", "b"]
        with pytest.raises(EOFError):
            reader.read()
    finally:
        os.close(read_fd)
