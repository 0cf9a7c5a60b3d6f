"""Each plugin's own log: a file under its data folder plus a short in-memory tail.

The tail lets the hook console show what a plugin logged during one call (lines are numbered,
so a caller takes those past the number it saw before the call). Files rotate at a size cap so
a chatty plugin cannot fill the disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path

MAX_LOG_BYTES = 5 * 1024 * 1024
MAX_LINE_CHARS = 4000
TAIL_LINES = 500
PLUGIN_MODULE_ROOT = "plugin_admin_plugins"


class PluginLogs:
    """Append-only per-plugin logs with a numbered in-memory tail."""

    def __init__(self, data_dir_for: callable) -> None:  # type: ignore[valid-type]
        self._data_dir_for = data_dir_for
        self._lock = threading.Lock()
        self._tails: dict[str, deque[tuple[int, str]]] = {}
        self._counter = 0

    def path(self, plugin_id: str) -> Path:
        return self._data_dir_for(plugin_id) / "logs" / "plugin.log"

    def write(self, plugin_id: str, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {level.upper():<7} {message[:MAX_LINE_CHARS]}"
        with self._lock:
            self._counter += 1
            self._tails.setdefault(plugin_id, deque(maxlen=TAIL_LINES)).append(
                (self._counter, line)
            )
            path = self.path(plugin_id)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
                    path.replace(path.with_suffix(".log.1"))
                with path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError:
                pass  # a full or read-only disk must not break the plugin's call

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
