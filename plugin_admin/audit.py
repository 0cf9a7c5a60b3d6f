"""The audit trail: who did what to which plugin, when, and how it ended.

Lifecycle, config and permission events are written at once (they are rare and must survive a
crash). Hook calls are frequent: they are buffered and written in batches by a background task
so dispatch never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any

from loguru import logger

from .store import Store

SYSTEM_ACTOR = "system"
HOOK_CALL_ACTION = "hook_call"


class AuditLog:
    """Records audit events in the store; hook calls go through a batch buffer."""

    def __init__(self, store: Store, *, flush_interval: float = 0.5, batch_size: int = 500) -> None:
        self._store = store
        # details are JSON text, or a (hook, elapsed_ms) tuple for a buffered hook call
        self._pending: deque[tuple[float, str, str | None, str, str, Any]] = deque()
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    def record(
        self,
        action: str,
        *,
        plugin_id: str | None = None,
        actor: str = SYSTEM_ACTOR,
        outcome: str = "success",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Write one event now (a flush of pending hook calls first keeps the order)."""
        self._pending.append(_event(action, plugin_id, actor, outcome, details))
        self.flush()
        log = logger.bind(plugin_id=plugin_id, actor=actor)
        (log.debug if outcome == "success" else log.info)(
            "audit {} {} {}{}", action, plugin_id or "-", outcome, f" {details}" if details else ""
        )

    def record_hook_call(
        self, plugin_id: str, hook_name: str, outcome: str, elapsed_ms: float, actor: str
    ) -> None:
        """Buffer a hook call; written within ``flush_interval`` seconds.

        This runs on every hook call, so its details are kept as a tuple and turned into JSON
        at flush time, in the batch (bench/README.md, case 1: the JSON cost ~2-3 µs a call).
        """
        self._pending.append(
            (time.time(), actor, plugin_id, HOOK_CALL_ACTION, outcome, (hook_name, elapsed_ms))
        )
        if len(self._pending) >= self._batch_size and self._task is None:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch = [_encoded(event) for event in self._pending]
        self._pending.clear()
        try:
            self._store.append_audit(batch)
        except Exception as exc:  # the audit must never take a caller down
            logger.error("could not write {} audit events: {}", len(batch), exc)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._flush_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self.flush()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            self.flush()

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        self.flush()
        return self._store.query_audit(**filters)


def _event(
    action: str, plugin_id: str | None, actor: str, outcome: str, details: dict[str, Any] | None
) -> tuple[float, str, str | None, str, str, str | None]:
    return (
        time.time(),
        actor,
        plugin_id,
        action,
        outcome,
        json.dumps(details, default=str) if details else None,
    )


def _encoded(
    event: tuple[float, str, str | None, str, str, Any],
) -> tuple[float, str, str | None, str, str, str | None]:
    """A pending event with its details as JSON text (hook calls carry a tuple until now)."""
    details = event[5]
    if type(details) is tuple:
        hook_name, elapsed_ms = details
        text = json.dumps({"hook": hook_name, "execution_time_ms": round(elapsed_ms, 3)})
        return (event[0], event[1], event[2], event[3], event[4], text)
    return event
