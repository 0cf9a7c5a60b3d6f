"""In-process runners for the trusted and standard levels.

What they can and cannot stop: a hook that *awaits* past its time limit is cancelled; a hook
that *blocks* (a sync busy loop, ``time.sleep``) cannot be interrupted inside a process. The
standard level runs each plugin on its own thread and event loop, so the host stays
responsive and the caller still gets its timeout error on time, but the runaway thread keeps
its CPU until the code returns (the circuit breaker then disables the plugin). Memory, files,
sockets and ``import os`` are not contained at all in process: only the sandboxed level
(a separate worker process) is containment.
"""

from __future__ import annotations

import asyncio
import threading
import traceback
import types
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

from ..base import PluginInterface
from ..errors import HookExecutionError, HookTimeoutError, PluginError
from ..host_context import HostContext
from ..loader import create_instance, drop_modules, import_plugin_package
from ..manifest import Manifest

T = TypeVar("T")


class PluginThread:
    """A daemon thread running its own event loop, on which one plugin's code executes."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        while not self._stopping:  # plugin code calling loop.stop() must not end the thread
            self.loop.run_forever()
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.wait(pending, timeout=1))
        self.loop.close()

    async def run(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        """Run ``make()`` on this thread's loop; the caller waits at most ``timeout`` seconds.

        One wake-up each way: the plugin thread runs the coroutine's first step at once and
        answers the host's future directly when it finishes without waiting (most hooks);
        only a hook that suspends becomes a task on the plugin's loop. This halves the cost
        of ``run_coroutine_threadsafe`` + ``wrap_future`` (bench/README.md, case 1).
        """
        host = asyncio.get_running_loop()
        answer: asyncio.Future[T] = host.create_future()
        started: list[asyncio.Task[T]] = []

        def reply(outcome: Callable[[], None]) -> None:
            if not answer.done():
                outcome()

        def settle(value: Any = None, error: BaseException | None = None) -> None:
            if error is None:
                host.call_soon_threadsafe(reply, lambda: answer.set_result(value))
            else:
                error = error if isinstance(error, Exception) else _escaped(error)
                host.call_soon_threadsafe(reply, lambda: answer.set_exception(error))

        def finished(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                settle(error=asyncio.CancelledError())
            else:
                settle(task.result() if task.exception() is None else None, task.exception())

        def start() -> None:  # on the plugin thread
            try:
                steps = make().__await__()
                first = steps.send(None)
            except StopIteration as done:
                settle(done.value)
                return
            except BaseException as exc:
                settle(error=exc)
                return
            task = self.loop.create_task(_continue(steps, first))
            task.add_done_callback(finished)
            started.append(task)

        self.loop.call_soon_threadsafe(start)
        try:
            async with asyncio.timeout(timeout):
                return await answer
        except BaseException:  # timed out or the caller was cancelled: stop the plugin's task
            if started:
                self.loop.call_soon_threadsafe(started[0].cancel)
            raise

    def stop(self) -> None:
        self._stopping = True
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:  # already closed
            pass


async def _continue(steps: Generator[Any, Any, T], first: Any) -> T:
    return await _resume(steps, first)


def _escaped(error: BaseException) -> Exception:
    """SystemExit, KeyboardInterrupt... from plugin code must not travel as themselves."""
    return RuntimeError(f"plugin code raised {type(error).__name__}: {error}")


class InlineRunner:
    """Trusted plugins: their coroutines run directly on the host's loop (the fast path)."""

    isolation = "in-process (trusted, host event loop)"

    def __init__(
        self,
        plugin_id: str,
        plugin_dir: Path,
        manifest: Manifest,
        context: HostContext,
        lifecycle_timeout: float,
    ) -> None:
        self.plugin_id = plugin_id
        self._plugin_dir = plugin_dir
        self._manifest = manifest
        self._context = context
        self._lifecycle_timeout = lifecycle_timeout
        self._module_name: str | None = None
        self.instance: PluginInterface | None = None
        self.capabilities: list[str] = []

    # The three hooks subclasses change: where code runs.
    async def _execute(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        return await run_with_timeout(make(), timeout)

    def _close(self) -> None:
        pass

    async def _load(self) -> None:
        module = import_plugin_package(self._plugin_dir, self.plugin_id)
        self._module_name = module.__name__
        instance = create_instance(module, self._manifest)
        instance.bind_context(self._context)
        self.instance = instance
        self.capabilities = list(instance.get_capabilities())

    async def start(self, config: dict[str, Any]) -> None:
        try:
            await self._lifecycle(self._load, "import")
            await self._initialize(config)
        except BaseException:
            self._forget()
            raise

    async def _initialize(self, config: dict[str, Any]) -> None:
        assert self.instance is not None
        instance = self.instance
        ok = await self._lifecycle(lambda: instance.initialize(dict(config)), "initialize")
        if ok is False:
            raise HookExecutionError(
                f"Plugin {self.plugin_id!r}: initialize() returned False (it refused the "
                "configuration); check its log and its config.",
                plugin_id=self.plugin_id,
            )

    async def reconfigure(self, config: dict[str, Any]) -> None:
        assert self.instance is not None
        instance = self.instance
        await self._lifecycle(instance.shutdown, "shutdown")
        await self._initialize(config)

    async def call(self, hook_name: str, kwargs: dict[str, Any], timeout: float) -> Any:
        instance = self.instance
        if instance is None:
            raise HookExecutionError(f"Plugin {self.plugin_id!r} is not running.")
        try:
            return await self._execute(lambda: instance.execute_hook(hook_name, **kwargs), timeout)
        except TimeoutError:
            raise HookTimeoutError(
                f"Hook {hook_name!r} of plugin {self.plugin_id!r} did not finish within "
                f"{timeout:g} s (PLUGIN_MAX_EXECUTION_TIME).",
                plugin_id=self.plugin_id,
            ) from None
        except PluginError:
            raise
        except Exception as exc:
            raise hook_failure(self.plugin_id, hook_name, exc) from exc

    async def stop(self, timeout: float) -> None:
        instance = self.instance
        try:
            if instance is not None:
                await self._execute(instance.shutdown, timeout)
        finally:
            self._forget()

    def _forget(self) -> None:
        self.instance = None
        if self._module_name:
            drop_modules(self._module_name)
            self._module_name = None
        self._close()

    async def _lifecycle(self, make: Callable[[], Awaitable[T]], step: str) -> T:
        try:
            return await self._execute(make, self._lifecycle_timeout)
        except TimeoutError:
            raise HookTimeoutError(
                f"Plugin {self.plugin_id!r}: {step} did not finish within "
                f"{self._lifecycle_timeout:g} s (PLUGIN_TIMEOUT_SECONDS).",
                plugin_id=self.plugin_id,
            ) from None
        except PluginError:
            raise
        except Exception as exc:
            raise HookExecutionError(
                f"Plugin {self.plugin_id!r}: {step} failed: {type(exc).__name__}: {exc}",
                plugin_id=self.plugin_id,
            ) from exc


class ThreadRunner(InlineRunner):
    """Standard plugins: code runs on the plugin's own thread and event loop."""

    isolation = "in-process (own thread, PluginContext only)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thread = PluginThread(f"plugin:{self.plugin_id}")

    async def _execute(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        return await self._thread.run(make, timeout)

    def _close(self) -> None:
        self._thread.stop()


async def run_with_timeout(awaitable: Awaitable[T], timeout: float) -> T:
    """``await awaitable`` within ``timeout`` seconds, arming the timer only if it suspends.

    Most hooks finish without ever waiting; for them ``asyncio.timeout`` (a timer handle
    scheduled and cancelled per call) was the largest single cost of a trusted hook call
    (bench/README.md, case 1). The coroutine's first step runs here, in the caller's task and
    context, exactly as a plain ``await`` would; if it suspends, the rest is awaited under
    ``asyncio.timeout_at`` with the deadline counted from the start.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    coro = awaitable.__await__()
    try:
        first = coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    async with asyncio.timeout_at(deadline):
        return await _resume(coro, first)  # type: ignore[no-any-return]


@types.coroutine
def _resume(coro: Generator[Any, Any, T], yielded: Any) -> Generator[Any, Any, T]:
    """Continue a coroutine that has already yielded ``yielded``: pass what it waits on up to
    the running task and the task's answers (values, exceptions, cancellation) back down."""
    while True:
        try:
            sent = yield yielded
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:
            try:
                yielded = coro.throw(exc)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
        else:
            try:
                yielded = coro.send(sent)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


def hook_failure(plugin_id: str, hook_name: str, exc: BaseException) -> HookExecutionError:
    error = HookExecutionError(
        f"Hook {hook_name!r} of plugin {plugin_id!r} raised {type(exc).__name__}: {exc}",
        plugin_id=plugin_id,
    )
    error.traceback = "".join(traceback.format_exception(exc))  # type: ignore[attr-defined]
    return error
