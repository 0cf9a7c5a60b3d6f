"""Each plugin's own log: a file under its data folder plus a short in-memory tail.

The tail lets the hook console show what a plugin logged during one call (lines are numbered,
so a caller takes those past the number it saw before the call). Files rotate at a size cap so
a chatty plugin cannot fill the disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from pathlib import Path

from .safe_paths import open_regular, subdir

MAX_LOG_BYTES = 5 * 1024 * 1024
MAX_LINE_CHARS = 4000
TAIL_LINES = 500
PLUGIN_MODULE_ROOT = "plugin_admin_plugins"
LOG_DIR, LOG_FILE = "logs", "plugin.log"


class PluginLogs:
    """Append-only per-plugin logs with a numbered in-memory tail."""

    def __init__(self, data_dir_for: callable) -> None:  # type: ignore[valid-type]
        self._data_dir_for = data_dir_for
        self._lock = threading.Lock()
        self._tails: dict[str, deque[tuple[int, str]]] = {}
        self._counter = 0

    def path(self, plugin_id: str) -> Path:
        return self._data_dir_for(plugin_id) / LOG_DIR / LOG_FILE

    def write(self, plugin_id: str, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {level.upper():<7} {message[:MAX_LINE_CHARS]}"
        with self._lock:
            self._counter += 1
            self._tails.setdefault(plugin_id, deque(maxlen=TAIL_LINES)).append(
                (self._counter, line)
            )
            try:
                self._append(plugin_id, (line + "\n").encode("utf-8", "replace"))
            except OSError:
                pass  # a full or read-only disk, or a planted link, must not break the call

    def _append(self, plugin_id: str, data: bytes) -> None:
        # The data folder may belong to a sandboxed plugin: open each step without following
        # links it may have planted (logs -> /etc), rotate at the size cap.
        with subdir(self._data_dir_for(plugin_id), LOG_DIR, create=True) as folder:
            with contextlib.suppress(FileNotFoundError):
                current = os.stat(LOG_FILE, dir_fd=folder, follow_symlinks=False)
                if current.st_size > MAX_LOG_BYTES:
                    os.replace(LOG_FILE, LOG_FILE + ".1", src_dir_fd=folder, dst_dir_fd=folder)
            fd = open_regular(LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, folder)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def mark(self) -> int:
        """A position; :meth:`since` returns lines written after it."""
        return self._counter

    def since(self, plugin_id: str, mark: int) -> list[str]:
        with self._lock:
            return [line for number, line in self._tails.get(plugin_id, ()) if number > mark]

    def tail(self, plugin_id: str, lines: int = 100) -> list[str]:
        with self._lock:
            return [line for _, line in list(self._tails.get(plugin_id, ()))[-lines:]]


class PluginLoggingHandler(logging.Handler):
    """Routes stdlib ``logging`` calls made by plugin modules into their plugin's log."""

    def __init__(self, logs: PluginLogs) -> None:
        super().__init__(logging.DEBUG)
        self._logs = logs

    def emit(self, record: logging.LogRecord) -> None:
        parts = record.name.split(".")
        if len(parts) < 2 or parts[0] != PLUGIN_MODULE_ROOT:
            return
        plugin_id = parts[1].rsplit("__", 1)[0]
        try:
            self._logs.write(plugin_id, record.levelname, record.getMessage())
        except Exception:
            self.handleError(record)
