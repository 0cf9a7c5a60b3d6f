"""The pluggy baseline shared by the hook-call and broadcast cases."""

from __future__ import annotations

from typing import Any

import pluggy

from .plugins import HOOK_RESULT

hookspec = pluggy.HookspecMarker("bench")
hookimpl = pluggy.HookimplMarker("bench")


class _Spec:
    @hookspec
    def ping(self) -> Any:
        """The same trivial hook as the bench plugin's."""


class _Impl:
    @hookimpl
    def ping(self) -> Any:
        return HOOK_RESULT


def pluggy_hook(implementations: int = 1) -> Any:
    """A pluggy hook caller with ``implementations`` registered implementations."""
    pm = pluggy.PluginManager("bench")
    pm.add_hookspecs(_Spec)
    for _ in range(implementations):
        pm.register(_Impl())
    return pm.hook.ping
