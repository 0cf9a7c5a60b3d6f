"""Host side of the sandboxed level: one persistent worker process per plugin.

:class:`WorkerRunner` implements :class:`~plugin_admin.sandbox.PluginRunner`. It starts the
worker (see :mod:`.isolation` for the bubblewrap command line), speaks the frame protocol
(:mod:`.protocol`), answers the plugin's context calls through the plugin's
:class:`~plugin_admin.host_context.HostContext` (so grants are checked on the host), and
recovers from anything the worker does:

* a call over its wall-clock limit kills the worker (bwrap's pid namespace goes with it, so no
  grandchild survives) and raises :class:`HookTimeoutError`;
* a crash, an exit, or a bad frame kills it and the call gets :class:`HookExecutionError`;
* the next call restarts it, after a backoff when it keeps failing; the manager's circuit
  breaker disables the plugin after repeated failures.

Hot path: no asyncio subprocess transports and no ``wait_for`` per call. The reply pipe is a
non-blocking fd watched with ``loop.add_reader``; the deadline is one ``loop.call_later``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import (
    HookExecutionError,
    HookTimeoutError,
    InvalidInputError,
    PermissionDeniedError,
    PluginError,
)
from ..host_context import HostContext
from ..manifest import Manifest
from ..settings import Settings
from . import isolation
from .protocol import (
    MAX_FRAME,
    PROTOCOL_VERSION,
    READ_CHUNK,
    FrameBuffer,
    ProtocolError,
    encode,
)

OUTPUT_TAIL_BYTES = 4000
MAX_LOGGED_OUTPUT_LINES = 1000
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
SPIN_SECONDS = float(os.environ.get("PLUGIN_ADMIN_SANDBOX_SPIN_US", "300")) / 1e6
SELECT_LIMIT = 1024  # select() cannot watch descriptors from FD_SETSIZE on: no spin there
MAX_CONTEXT_CALLS_IN_FLIGHT = 16  # a worker asking for more is flooding the host: killed
MAX_UNREAD_REPLIES = 2 * MAX_FRAME  # a worker that stops reading its replies: killed


class WorkerGone(Exception):
    """The worker died, was killed, or broke the protocol; ``reason`` says which."""


class WorkerTimeout(Exception):
    pass


class WorkerProcess:
    """One running worker: the process, its pipes, and the single request in flight."""

    def __init__(
        self,
        plugin_id: str,
        plugin_dir: Path,
        data_dir: Path,
        settings: Settings,
        context: HostContext,
        use_bwrap: bool,
        uid: int | None,
    ) -> None:
        self.plugin_id = plugin_id
        self.uid = uid
        self.context = context
        self.loop = asyncio.get_running_loop()
        self.alive = True
        self.reason = ""
        self._frames = FrameBuffer()
        self._pending: asyncio.Future[dict[str, Any]] | None = None
        self._out_buffer = b""
        self._out_tail: deque[bytes] = deque()
        self._out_tail_size = 0
        self._logged_lines = 0
        self._write_queue = bytearray()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._spawn(plugin_dir, data_dir, settings, use_bwrap)

    # ------------------------------------------------------------------------- start
    def _spawn(self, plugin_dir: Path, data_dir: Path, settings: Settings, use_bwrap: bool) -> None:
        root = os.geteuid() == 0
        uid = self.uid
        if uid is not None:
            _chown_tree(data_dir, uid)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        out_r, out_w = os.pipe()
        os.set_blocking(self._to_child, False)
        os.set_blocking(self._from_child, False)
        os.set_blocking(out_r, False)
        limits = isolation.Limits(
            memory_mb=settings.plugin_max_memory_mb,
            file_size_mb=settings.plugin_max_file_size_mb,
            nproc=isolation.NPROC_LIMIT if uid is not None else None,
        )
        program = isolation.seccomp_program()
        seccomp = isolation.seccomp_memfd(program) if program and use_bwrap else None
        setup = {
            "plugin_id": self.plugin_id,
            "uid": uid,
            "read_fd": to_child_r,
            "write_fd": from_child_w,
            "limits": limits.to_dict(),
            "plugin_dir": isolation.PLUGIN_MOUNT if use_bwrap else str(plugin_dir),
            "data_dir": isolation.DATA_MOUNT if use_bwrap else str(data_dir),
            # Without bwrap the worker installs the same filter on itself.
            "seccomp": base64.b64encode(program).decode() if program and not use_bwrap else None,
        }
        command = [sys.executable, "-I", str(isolation.CHILD_SCRIPT), json.dumps(setup)]
        if use_bwrap:
            argv = isolation.bwrap_argv(
                plugin_dir,
                data_dir,
                privileged=root,
                tmp_size_mb=min(isolation.TMP_SIZE_MB, settings.plugin_max_file_size_mb),
                seccomp_fd=seccomp,
            )
            command = [*argv, "--", *command]
        fds = [to_child_r, from_child_w] + ([seccomp] if seccomp is not None else [])
        spawned = False
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=fds,
                close_fds=True,
                process_group=0,
                cwd=str(plugin_dir) if not use_bwrap else "/",
                env=isolation.worker_env(str(data_dir)),
            )
            spawned = True
        finally:
            for fd in (to_child_r, from_child_w, out_w, *([seccomp] if seccomp else [])):
                os.close(fd)
            if not spawned:
                for fd in (self._to_child, self._from_child, out_r):
                    os.close(fd)
        self._out = out_r
        self.loop.add_reader(self._from_child, self._on_frames)
        self.loop.add_reader(self._out, self._on_output)

    # -------------------------------------------------------------------- exchange
    async def exchange(self, message: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
        """Send ``message`` (None: just wait for the hello) and await the worker's answer."""
        if not self.alive:
            raise WorkerGone(self.reason)
        future = self.loop.create_future()
        self._pending = future
        timer: asyncio.TimerHandle | None = None
        try:
            if message is not None:
                self._send(encode(message))
                if (
                    SPIN_SECONDS
                    and not self._write_queue
                    and self.alive
                    and self._from_child < SELECT_LIMIT
                ):
                    # Fast hooks answer within tens of microseconds: catching the reply here
                    # skips an epoll round, two loop iterations and the deadline timer (most
                    # of the overhead). The loop is held for at most SPIN_SECONDS.
                    ready, _, _ = select.select([self._from_child], [], [], SPIN_SECONDS)
                    if ready:
                        self._on_frames()
                        if future.done():
                            return future.result()
            if not future.done():
                timer = self.loop.call_later(timeout, self._expire, future)
            return await future
        finally:
            if timer is not None:
                timer.cancel()
            self._pending = None

    def _expire(self, future: asyncio.Future[dict[str, Any]]) -> None:
        if not future.done():
            future.set_exception(WorkerTimeout())
            self.kill("killed after exceeding its time limit")

    def _send(self, data: bytes) -> None:
        if self._write_queue:
            self._write_queue += data
            if len(self._write_queue) > MAX_UNREAD_REPLIES:
                self.kill("killed: it stopped reading the host's replies")
            return
        try:
            written = os.write(self._to_child, data)
        except BlockingIOError:
            written = 0
        except OSError as exc:
            self.kill(f"its request pipe broke ({exc.strerror})")
            return
        if written < len(data):
            self._write_queue += data[written:]
            if len(self._write_queue) > MAX_UNREAD_REPLIES:
                self.kill("killed: it stopped reading the host's replies")
                return
            self.loop.add_writer(self._to_child, self._flush)

    def _flush(self) -> None:
        try:
            written = os.write(self._to_child, self._write_queue)
        except BlockingIOError:
            return
        except OSError as exc:
            self.kill(f"its request pipe broke ({exc.strerror})")
            return
        del self._write_queue[:written]
        if not self._write_queue:
            self.loop.remove_writer(self._to_child)

    def _on_frames(self) -> None:
        try:
            data = os.read(self._from_child, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            self.kill(f"its reply pipe failed ({exc.strerror})")
            return
        if not data:
            self.kill(self._exit_description())
            return
        try:
            messages = self._frames.feed(data)
        except ProtocolError as exc:
            self.kill(f"killed: it sent a bad frame ({exc})")
            return
        for message in messages:
            kind = message["t"]
            if kind in ("result", "hello"):
                pending = self._pending
                if pending is None or pending.done():
                    self.kill(f"killed: it sent an unexpected {kind!r} frame")
                    return
                pending.set_result(message)
            elif kind == "ctx":
                if len(self._tasks) >= MAX_CONTEXT_CALLS_IN_FLIGHT:
                    self.kill("killed: it flooded the host with context calls")
                    return
                task = self.loop.create_task(self._answer_context(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self.kill(f"killed: it sent an unknown frame type {kind!r}")
                return

    async def _answer_context(self, message: dict[str, Any]) -> None:
        try:
            value = await context_call(self.context, message.get("m"), message.get("a"))
            reply = {"t": "ctx_result", "ok": True, "value": value}
        except Exception as exc:  # the plugin gets the error; the host carries on
            error = {
                "type": type(exc).__name__,
                "message": exc.message if isinstance(exc, PluginError) else str(exc),
                "permission": getattr(exc, "permission", None),
            }
            reply = {"t": "ctx_result", "ok": False, "error": error}
        if self.alive:
            try:
                self._send(encode(reply))
            except ProtocolError as exc:  # e.g. a value the plugin stored earlier is not JSON
                error = {"type": "InvalidInputError", "message": str(exc)}
                self._send(encode({"t": "ctx_result", "ok": False, "error": error}))

    # ----------------------------------------------------------------------- output
    def _on_output(self) -> None:
        try:
            data = os.read(self._out, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.loop.remove_reader(self._out)
            return
        self._out_tail.append(data)
        self._out_tail_size += len(data)
        while self._out_tail_size > OUTPUT_TAIL_BYTES and len(self._out_tail) > 1:
            self._out_tail_size -= len(self._out_tail.popleft())
        if self._logged_lines >= MAX_LOGGED_OUTPUT_LINES:
            return
        lines = (self._out_buffer + data).split(b"\n")
        self._out_buffer = lines.pop()[-OUTPUT_TAIL_BYTES:]
        for line in lines:
            self._logged_lines += 1
            text = line.decode(errors="replace")
            if self._logged_lines == MAX_LOGGED_OUTPUT_LINES:
                text = "(further worker output is not logged)"
            self.context.record_output(text)
            if self._logged_lines >= MAX_LOGGED_OUTPUT_LINES:
                return

    def output_tail(self) -> str:
        return b"".join(self._out_tail).decode(errors="replace")[-OUTPUT_TAIL_BYTES:]

    # ----------------------------------------------------------------------- ending
    def _exit_description(self) -> str:
        try:  # bounded: a worker that closed its pipe but lives on must not stall the loop
            code = self.process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            return "it closed its channel"
        return describe_exit(code)

    async def retire(self, reason: str, timeout: float = 2.0) -> None:
        """End a worker that is not misbehaving: close its request pipe (it exits on EOF), let
        bwrap tear the sandbox down in order, and only then kill whatever is left. Unlike
        :meth:`kill`, nothing of the sandbox is left when this returns."""
        if self.alive:
            self.loop.remove_writer(self._to_child)
            with contextlib.suppress(OSError):
                os.close(self._to_child)
            self._to_child = -1
            deadline = time.monotonic() + timeout
            while self.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
        self.kill(reason)

    def kill(self, reason: str) -> None:
        """Kill the worker and everything it started; fail the request in flight."""
        if not self.alive:
            return
        self.alive = False
        self.reason = reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        try:  # SIGKILL is reaped at once, unless the process is stuck in the kernel
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.loop.run_in_executor(None, self.process.wait)
        self.loop.remove_reader(self._from_child)
        if self._to_child >= 0:
            self.loop.remove_writer(self._to_child)
        with contextlib.suppress(OSError):
            self._on_output()  # what it printed last explains most crashes
        self.loop.remove_reader(self._out)
        for fd in (self._from_child, self._to_child, self._out):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        for task in self._tasks:
            task.cancel()
        pending = self._pending
        if pending is not None and not pending.done():
            pending.set_exception(WorkerGone(reason))


class WorkerRunner:
    """A sandboxed plugin: a persistent worker process, restarted on failure."""

    def __init__(
        self,
        plugin_id: str,
        plugin_dir: Path,
        manifest: Manifest,
        context: HostContext,
        settings: Settings,
        *,
        use_bwrap: bool | None = None,
    ) -> None:
        self.plugin_id = plugin_id
        self._plugin_dir = Path(plugin_dir).resolve()
        self._manifest = manifest
        self._context = context
        self._settings = settings
        self._wanted_bwrap = use_bwrap
        self._use_bwrap = False
        self._uid: int | None = None
        self.isolation = "sandboxed (not started)"
        self.capabilities: list[str] = []
        self._config: dict[str, Any] | None = None
        self._worker: WorkerProcess | None = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self._retry_at = 0.0
        self._last_failure = ""
        self.restarts = 0

    @property
    def worker_pid(self) -> int | None:
        worker = self._worker
        return worker.process.pid if worker is not None and worker.alive else None

    # ------------------------------------------------------------------- lifecycle
    async def start(self, config: dict[str, Any]) -> None:
        async with self._lock:
            await self._choose_isolation()
            self._config = dict(config)
            await self._launch()

    async def _choose_isolation(self) -> None:
        """Probe bwrap once per process (off the event loop) and say what we got."""
        usable, reason = await asyncio.to_thread(isolation.probe_bwrap)
        use_bwrap = usable if self._wanted_bwrap is None else self._wanted_bwrap
        if use_bwrap and not usable:
            raise HookExecutionError(
                f"Cannot sandbox {self.plugin_id!r}: {reason}", plugin_id=self.plugin_id
            )
        self._use_bwrap = use_bwrap
        if isolation.uses_own_uid(use_bwrap):
            self._uid = isolation.plugin_uid(self.plugin_id)
            self._context.owner_uid = self._uid
        self.isolation = isolation.isolation_label(
            use_bwrap,
            reason if not usable else "disabled",
            own_uid=self._uid is not None,
        )

    async def _launch(self) -> WorkerProcess:
        """Start a worker, check the handshake, load and initialise the plugin."""
        assert self._config is not None
        data_dir = self._context.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        timeout = self._settings.plugin_timeout_seconds
        try:
            worker = WorkerProcess(
                self.plugin_id,
                self._plugin_dir,
                data_dir,
                self._settings,
                self._context,
                self._use_bwrap,
                self._uid,
            )
        except OSError as exc:
            self._record_failure(str(exc))
            raise HookExecutionError(
                f"Plugin {self.plugin_id!r}: the sandbox worker could not be started: {exc}. "
                "Check sandbox_status() in the settings tab.",
                plugin_id=self.plugin_id,
            ) from exc
        self._worker = worker
        try:
            return await self._handshake_and_load(worker, timeout)
        except BaseException:
            worker.kill("killed: its start failed")  # never leave a half-started worker
            raise

    async def _handshake_and_load(self, worker: WorkerProcess, timeout: float) -> WorkerProcess:
        try:
            hello = await worker.exchange(None, timeout)
            if hello.get("t") != "hello" or hello.get("protocol") != PROTOCOL_VERSION:
                worker.kill("killed: wrong handshake")
                raise HookExecutionError(
                    f"Plugin {self.plugin_id!r}: the sandbox worker speaks protocol "
                    f"{hello.get('protocol')!r}, the host {PROTOCOL_VERSION}; reinstall "
                    "plugin-admin so both sides match.",
                    plugin_id=self.plugin_id,
                )
            message = {
                "t": "load",
                "plugin_id": self.plugin_id,
                "manifest": self._manifest.raw,
                "config": self._config,
            }
            reply = await worker.exchange(message, timeout)
        except WorkerTimeout:
            raise HookTimeoutError(
                f"Plugin {self.plugin_id!r}: the sandbox worker did not start and initialise "
                f"within {timeout:g} s (PLUGIN_TIMEOUT_SECONDS).",
                plugin_id=self.plugin_id,
            ) from None
        except WorkerGone as exc:
            raise self._gone_error("start", exc, worker) from None
        except ProtocolError as exc:  # the config could not be sent (not strict JSON)
            raise InvalidInputError(
                f"Plugin {self.plugin_id!r}: its configuration cannot be sent to the sandbox "
                f"worker: {exc}.",
                plugin_id=self.plugin_id,
            ) from None
        if not reply.get("ok"):
            await worker.retire("stopped: the plugin failed to load")
            error = reply.get("error") or {}
            raise HookExecutionError(
                f"Plugin {self.plugin_id!r}: loading in the sandbox failed: "
                f"{error.get('type')}: {error.get('message')}",
                plugin_id=self.plugin_id,
            )
        self.capabilities = list((reply.get("value") or {}).get("capabilities") or [])
        return worker

    async def reconfigure(self, config: dict[str, Any]) -> None:
        async with self._lock:
            worker = await self._ready_worker()
            reply = await self._exchange(
                worker, {"t": "reconfigure", "config": dict(config)}, "reconfigure"
            )
            self._unwrap(reply, "reconfigure")
            self._config = dict(config)

    async def stop(self, timeout: float) -> None:
        async with self._lock:
            worker, self._worker = self._worker, None
            self._config = None
            if worker is None or not worker.alive:
                return
            try:
                await worker.exchange({"t": "stop"}, timeout)
            except (WorkerGone, WorkerTimeout):
                pass
            await worker.retire("stopped", min(timeout, 2.0))

    # ------------------------------------------------------------------------- calls
    async def call(self, hook_name: str, kwargs: dict[str, Any], timeout: float) -> Any:
        async with self._lock:
            worker = self._worker
            if worker is None or not worker.alive:
                worker = await self._ready_worker()
            reply = await self._exchange(
                worker, {"t": "call", "hook": hook_name, "kwargs": kwargs}, hook_name, timeout
            )
            self._failures = 0
            return self._unwrap(reply, hook_name)

    async def _exchange(
        self,
        worker: WorkerProcess,
        message: dict[str, Any],
        what: str,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        limit = timeout if timeout is not None else self._settings.plugin_timeout_seconds
        try:
            return await worker.exchange(message, limit)
        except WorkerTimeout:
            self._record_failure("timed out")
            error = HookTimeoutError(
                f"Hook {what!r} of plugin {self.plugin_id!r} did not finish within {limit:g} s "
                "(PLUGIN_MAX_EXECUTION_TIME); its sandbox worker was killed and will be "
                "restarted on the next call.",
                plugin_id=self.plugin_id,
            )
            error.worker_failure = True  # type: ignore[attr-defined]
            raise error from None
        except WorkerGone as exc:
            raise self._gone_error(what, exc, worker) from None
        except ProtocolError as exc:  # our request could not be encoded (too large, NaN...)
            raise InvalidInputError(
                f"Hook {what!r} of plugin {self.plugin_id!r}: the request cannot be sent to the "
                f"sandbox worker: {exc}.",
                plugin_id=self.plugin_id,
            ) from None

    def _gone_error(self, what: str, exc: WorkerGone, worker: WorkerProcess) -> HookExecutionError:
        self._record_failure(str(exc))
        tail = worker.output_tail().strip()
        message = (
            f"The sandbox worker of plugin {self.plugin_id!r} failed during {what!r}: {exc}. "
            "It will be restarted on the next call."
        )
        if tail:
            message += f" Last output: {tail[-500:]}"
        error = HookExecutionError(message, plugin_id=self.plugin_id)
        error.worker_failure = True  # type: ignore[attr-defined]
        error.traceback = tail or None
        return error

    def _record_failure(self, reason: str) -> None:
        self._context.record_worker_event("worker_failed", "error", {"reason": reason})
        self._failures += 1
        self._last_failure = reason
        delay = 0.0 if self._failures <= 1 else BACKOFF_START * 2 ** (self._failures - 2)
        self._retry_at = time.monotonic() + min(delay, BACKOFF_MAX)

    async def _ready_worker(self) -> WorkerProcess:
        worker = self._worker
        if worker is not None and worker.alive:
            return worker
        if self._config is None:
            raise HookExecutionError(f"Plugin {self.plugin_id!r} is not running.")
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            raise HookExecutionError(
                f"The sandbox worker of plugin {self.plugin_id!r} failed {self._failures} times "
                f"in a row (last: {self._last_failure}); next restart in {wait:.1f} s.",
                plugin_id=self.plugin_id,
            )
        self.restarts += 1
        self._context.record_worker_event(
            "worker_restart", "success", {"after": self._last_failure, "restarts": self.restarts}
        )
        try:
            return await self._launch()
        except PluginError as exc:
            if not isinstance(exc, HookExecutionError | HookTimeoutError) or not getattr(
                exc, "worker_failure", False
            ):
                self._record_failure(exc.message)
            error = HookExecutionError(
                f"Restarting the sandbox worker of {self.plugin_id!r} failed: {exc.message}",
                plugin_id=self.plugin_id,
            )
            error.worker_failure = True  # type: ignore[attr-defined]
            raise error from None

    def _unwrap(self, reply: dict[str, Any], what: str) -> Any:
        if reply.get("ok"):
            return reply.get("value")
        error = reply.get("error") or {}
        kind, message = str(error.get("type")), str(error.get("message"))
        if kind == "PermissionDeniedError":
            raise PermissionDeniedError(
                message, plugin_id=self.plugin_id, permission=str(error.get("permission") or "")
            )
        failure = HookExecutionError(
            f"Hook {what!r} of plugin {self.plugin_id!r} raised {kind}: {message}",
            plugin_id=self.plugin_id,
        )
        failure.traceback = error.get("traceback")
        raise failure


# ------------------------------------------------------------------- context calls
async def context_call(context: HostContext, method: Any, args: Any) -> Any:
    """Run one PluginContext call a worker asked for, on the host's own HostContext."""
    if not isinstance(args, dict):
        raise PluginError("context call arguments must be an object")
    if method == "log":
        context.log(str(args.get("level")), str(args.get("message")))
        return None
    if method == "list_emails":
        return await context.list_emails(int(args.get("limit", 50)))
    if method == "get_email":
        return await context.get_email(str(args.get("email_id")))
    if method == "update_email":
        return await context.update_email(str(args.get("email_id")), args.get("changes") or {})
    if method == "send_email":
        return await context.send_email(
            str(args.get("to")), str(args.get("subject")), str(args.get("body"))
        )
    if method == "get_attachment":
        data = await context.get_attachment(str(args.get("email_id")), str(args.get("filename")))
        return base64.b64encode(data).decode()
    if method == "read_data":
        return base64.b64encode(await context.read_data(str(args.get("name")))).decode()
    if method == "write_data":
        try:
            data = base64.b64decode(str(args.get("data")), validate=True)
        except ValueError:
            raise PluginError("write_data: data is not valid base64") from None
        await context.write_data(str(args.get("name")), data)
        return None
    if method == "http_request":
        return await context.http_request(
            str(args.get("method")),
            str(args.get("url")),
            headers=args.get("headers"),
            body=args.get("body"),
        )
    raise PluginError(f"unknown context call {method!r}")


# ----------------------------------------------------------------------------- helpers
def describe_exit(code: int) -> str:
    """bwrap reports a child killed by signal N as exit code 128 + N; Popen as -N."""
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"the worker was killed by {name} (exit code {code})"
    return f"the worker exited with code {code}"


def _chown_tree(path: Path, uid: int) -> None:
    """Give the data folder and its first level to the plugin's uid (the host creates
    ``files/`` and ``logs/`` there). Not recursive: the tree below is the plugin's own, may be
    deep or huge, and must not cost the host a walk at every worker start."""
    os.chown(path, uid, uid)
    with os.scandir(path) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                os.lchown(entry.path, uid, uid)
