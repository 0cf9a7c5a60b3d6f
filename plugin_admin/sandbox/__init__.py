"""Runners: how a loaded plugin's code is executed, one kind per security level.

==========  ==========================================================================
trusted     :class:`~.inprocess.InlineRunner` — on the host's event loop, direct calls
standard    :class:`~.inprocess.ThreadRunner` — in process, on the plugin's own thread
            and event loop, so a blocking hook cannot freeze the host
sandboxed   :class:`~.worker.WorkerRunner` — a separate process (bubblewrap + rlimits)
==========  ==========================================================================

Every runner has the same small async interface (:class:`PluginRunner`); the manager never
needs to know which one it holds.
"""

from __future__ import annotations

from typing import Any, Protocol


class PluginRunner(Protocol):
    plugin_id: str
    isolation: str
    capabilities: list[str]

    async def start(self, config: dict[str, Any]) -> None:
        """Import the plugin, create it, check its metadata, bind its context, initialise it."""

    async def call(self, hook_name: str, kwargs: dict[str, Any], timeout: float) -> Any:
        """Run one hook; raise HookTimeoutError or HookExecutionError on failure."""

    async def reconfigure(self, config: dict[str, Any]) -> None:
        """Re-initialise with a new config; raise if the plugin refuses it."""

    async def stop(self, timeout: float) -> None:
        """Shut the plugin down and release everything it holds."""
