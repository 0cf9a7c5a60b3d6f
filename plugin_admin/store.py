"""SQLite persistence: the one place plugin state is written (rows, config, grants, audit).

stdlib ``sqlite3`` in WAL mode, one connection guarded by a lock: every statement is short, so
callers run them inline. Each public method is one transaction, so a kill -9 leaves the last
committed state. Storage faults (read-only, disk full, locked) become :class:`StorageError`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StorageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS plugins (
    plugin_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    version TEXT,
    last_error TEXT,
    loaded_at REAL,
    config TEXT,
    security_override TEXT,
    trusted_approved INTEGER NOT NULL DEFAULT 0,
    provenance TEXT,
    installed_at REAL,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS grants (
    plugin_id TEXT NOT NULL,
    permission TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at REAL NOT NULL,
    PRIMARY KEY (plugin_id, permission)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    plugin_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    details TEXT
);
CREATE INDEX IF NOT EXISTS audit_plugin_ts ON audit (plugin_id, ts);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
CREATE TABLE IF NOT EXISTS test_cases (
    plugin_id TEXT NOT NULL,
    name TEXT NOT NULL,
    hook_name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    expected TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (plugin_id, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class PluginRow:
    """The persisted state of one plugin."""

    plugin_id: str
    status: str
    version: str | None = None
    last_error: str | None = None
    loaded_at: float | None = None
    config: dict[str, Any] | None = None
    security_override: str | None = None
    trusted_approved: bool = False
    provenance: dict[str, Any] | None = None
    installed_at: float | None = None
    updated_at: float | None = None


_PLUGIN_COLUMNS = (
    "plugin_id, status, version, last_error, loaded_at, config, security_override, "
    "trusted_approved, provenance, installed_at, updated_at"
)


class Store:
    """Typed access to the SQLite database under PLUGIN_DATA_DIR."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(_storage_message(path, exc)) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageError(_storage_message(self.path, exc)) from None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(_storage_message(self.path, exc)) from None

    # plugins -----------------------------------------------------------------------------
    def get_plugin(self, plugin_id: str) -> PluginRow | None:
        rows = self._query(f"SELECT {_PLUGIN_COLUMNS} FROM plugins WHERE plugin_id=?", (plugin_id,))
        return _row(rows[0]) if rows else None

    def all_plugins(self) -> dict[str, PluginRow]:
        return {r[0]: _row(r) for r in self._query(f"SELECT {_PLUGIN_COLUMNS} FROM plugins")}

    def upsert_plugin(self, row: PluginRow) -> None:
        row.updated_at = time.time()
        with self.transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO plugins ({_PLUGIN_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.plugin_id,
                    row.status,
                    row.version,
                    row.last_error,
                    row.loaded_at,
                    _dump(row.config),
                    row.security_override,
                    int(row.trusted_approved),
                    _dump(row.provenance),
                    row.installed_at,
                    row.updated_at,
                ),
            )

    def delete_plugin(self, plugin_id: str, *, purge: bool) -> None:
        """Forget a plugin; ``purge`` also drops its config, grants and saved test cases."""
        with self.transaction() as db:
            if purge:
                db.execute("DELETE FROM plugins WHERE plugin_id=?", (plugin_id,))
                db.execute("DELETE FROM grants WHERE plugin_id=?", (plugin_id,))
                db.execute("DELETE FROM test_cases WHERE plugin_id=?", (plugin_id,))
            else:
                db.execute(
                    "UPDATE plugins SET status='uninstalled', loaded_at=NULL WHERE plugin_id=?",
                    (plugin_id,),
                )

    # grants ------------------------------------------------------------------------------
    def grants(self, plugin_id: str) -> dict[str, dict[str, Any]]:
        rows = self._query(
            "SELECT permission, granted_by, granted_at FROM grants WHERE plugin_id=?", (plugin_id,)
        )
        return {p: {"granted_by": by, "granted_at": at} for p, by, at in rows}

    def all_grants(self) -> dict[str, set[str]]:
        result: dict[str, set[str]] = {}
        for plugin_id, permission in self._query("SELECT plugin_id, permission FROM grants"):
            result.setdefault(plugin_id, set()).add(permission)
        return result

    def set_grant(self, plugin_id: str, permission: str, actor: str, granted: bool) -> None:
        with self.transaction() as db:
            if granted:
                db.execute(
                    "INSERT OR REPLACE INTO grants VALUES (?,?,?,?)",
                    (plugin_id, permission, actor, time.time()),
                )
            else:
                db.execute(
                    "DELETE FROM grants WHERE plugin_id=? AND permission=?", (plugin_id, permission)
                )

    # audit -------------------------------------------------------------------------------
    def append_audit(
        self, events: list[tuple[float, str, str | None, str, str, str | None]]
    ) -> None:
        if not events:
            return
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO audit (ts, actor, plugin_id, action, outcome, details) "
                "VALUES (?,?,?,?,?,?)",
                events,
            )

    def query_audit(
        self,
        *,
        plugin_id: str | None = None,
        action: str | None = None,
        actor: str | None = None,
        outcome: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        for column, value in (
            ("plugin_id", plugin_id),
            ("action", action),
            ("actor", actor),
            ("outcome", outcome),
        ):
            if value:
                clauses.append(f"{column}=?")
                params.append(value)
        if since is not None:
            clauses.append("ts>=?")
            params.append(since)
        if until is not None:
            clauses.append("ts<=?")
            params.append(until)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(
            f"SELECT id, ts, actor, plugin_id, action, outcome, details FROM audit {where} "
            "ORDER BY id DESC LIMIT ?",
            [*params, max(1, min(limit, 100_000))],
        )
        return [
            {
                "id": r[0],
                "timestamp": r[1],
                "actor": r[2],
                "plugin_id": r[3],
                "action": r[4],
                "outcome": r[5],
                "details": json.loads(r[6]) if r[6] else {},
            }
            for r in rows
        ]

    # hook console test cases -------------------------------------------------------------
    def save_test_case(
        self, plugin_id: str, name: str, hook_name: str, arguments: Any, expected: Any
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO test_cases VALUES (?,?,?,?,?,?)",
                (
                    plugin_id,
                    name,
                    hook_name,
                    json.dumps(arguments),
                    json.dumps(expected),
                    time.time(),
                ),
            )

    def test_cases(self, plugin_id: str) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT name, hook_name, arguments, expected, created_at FROM test_cases "
            "WHERE plugin_id=? ORDER BY name",
            (plugin_id,),
        )
        return [
            {
                "name": n,
                "hook_name": h,
                "arguments": json.loads(a),
                "expected": json.loads(e),
                "created_at": c,
            }
            for n, h, a, e, c in rows
        ]

    def delete_test_case(self, plugin_id: str, name: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM test_cases WHERE plugin_id=? AND name=?", (plugin_id, name))

    # meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key=?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _row(r: tuple[Any, ...]) -> PluginRow:
    return PluginRow(
        plugin_id=r[0],
        status=r[1],
        version=r[2],
        last_error=r[3],
        loaded_at=r[4],
        config=json.loads(r[5]) if r[5] else None,
        security_override=r[6],
        trusted_approved=bool(r[7]),
        provenance=json.loads(r[8]) if r[8] else None,
        installed_at=r[9],
        updated_at=r[10],
    )


def _storage_message(path: Path, exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    writable = os.access(path.parent, os.W_OK) if path.parent.exists() else True
    if (
        not writable
        or "readonly" in lowered
        or "read-only" in lowered
        or "permission denied" in lowered
    ):
        hint = "the data directory is read-only: make PLUGIN_DATA_DIR writable"
    elif "full" in lowered or "no space" in lowered:
        hint = "the disk holding PLUGIN_DATA_DIR is full: free space and retry"
    elif "locked" in lowered or "busy" in lowered:
        hint = "another process holds the database lock: retry, or stop the other instance"
    else:
        hint = "check that PLUGIN_DATA_DIR is a writable local folder"
    return f"Storage error on {path}: {text} ({hint})."
