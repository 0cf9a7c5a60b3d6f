"""File access inside a folder that an untrusted (sandboxed) plugin can write to.

A sandboxed plugin owns its data folder, and the host runs as root: the host must never
follow a symlink or block on a FIFO the plugin planted there (``/data/files -> /etc`` would
otherwise turn ``read_data("shadow")`` into a read of /etc/shadow). The data folder itself is
safe to open (its parent belongs to the host); below it, every component is opened relative
to a directory descriptor with ``O_NOFOLLOW``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


@contextlib.contextmanager
def subdir(base: Path, name: str, *, create: bool) -> Iterator[int]:
    """A descriptor of ``base/name``; refuses (OSError) when ``name`` is a link or no folder."""
    if create:
        base.mkdir(parents=True, exist_ok=True)
    base_fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=base_fd)
        fd = os.open(name, _DIR_FLAGS, dir_fd=base_fd)
    finally:
        os.close(base_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def open_regular(name: str, flags: int, dir_fd: int, mode: int = 0o644) -> int:
    """Open a regular file in ``dir_fd`` without following a link or waiting on a FIFO."""
    fd = os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK, mode, dir_fd=dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{name} is not a regular file")
    return fd
