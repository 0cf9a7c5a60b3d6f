"""The sandbox worker: runs inside bubblewrap (or a bare process), hosts one plugin.

Started as ``python -I child.py <setup-json>`` by :mod:`.worker`. Before any plugin code is
read it drops to the plugin's uid (when started as root), applies the resource limits, and
says hello. Then it serves frames (see :mod:`.protocol`) one at a time: load, call,
reconfigure, stop. The plugin gets a :class:`ProxyContext`: each context call is a request to
the host, which checks the grant there, so nothing in this process decides a permission.

Only stdlib and the small, plugin-facing part of ``plugin_admin`` (base types, errors, loader)
are imported: the host-only manager and its dependencies stay out, which keeps the worker's
start fast and its memory small.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import json
import os
import resource
import signal
import sys
import traceback
import types
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_MIB = 1024 * 1024


def _install_light_package() -> None:
    """Make ``import plugin_admin`` give the plugin-facing API without importing the manager.

    The real ``__init__`` (manager, HTTP client...) is executed only if a plugin asks for a
    name the light package does not have.
    """
    package = types.ModuleType("plugin_admin")
    package.__path__ = [str(_PACKAGE_DIR)]
    package.__file__ = str(_PACKAGE_DIR / "__init__.py")
    package.__package__ = "plugin_admin"
    sys.modules["plugin_admin"] = package

    def full_package(name: str) -> Any:
        if name.startswith("__") and name not in ("__version__", "__all__"):
            raise AttributeError(name)
        source = (_PACKAGE_DIR / "__init__.py").read_text()
        exec(compile(source, package.__file__, "exec"), package.__dict__)
        del package.__dict__["__getattr__"]
        return getattr(package, name)

    from plugin_admin import base, errors

    for module in (base, errors):
        for name in dir(module):
            if not name.startswith("_"):
                setattr(package, name, getattr(module, name))
    package.__getattr__ = full_package  # type: ignore[attr-defined]


def _drop_privileges(uid: int) -> None:
    """Root inside bwrap (no user namespace) -> the plugin's own unprivileged host uid."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(64):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # fails harmlessly past the last
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")
    # A credential change clears the parent-death signal: set it again.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _install_seccomp(program: bytes) -> None:
    """Without bwrap: load the host's compiled deny list on ourselves (no privilege needed
    once no_new_privs is set). Done before any plugin code runs, and it cannot be undone."""
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SystemExit("could not set no_new_privs")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SystemExit(f"could not install the seccomp filter (errno {ctypes.get_errno()})")


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _apply_limits(limits: dict[str, Any]) -> dict[str, int]:
    """Hard = soft, so the plugin cannot raise them. Address space = what the interpreter
    already maps (its baseline) + PLUGIN_MAX_MEMORY_MB, so the limit is the plugin's budget."""
    address_space = _vm_size() + int(limits["memory_mb"]) * _MIB
    values = {
        "RLIMIT_AS": address_space,
        "RLIMIT_FSIZE": int(limits["file_size_mb"]) * _MIB,
        "RLIMIT_NOFILE": int(limits["nofile"]),
        "RLIMIT_CPU": int(limits["cpu_seconds"]),
        "RLIMIT_CORE": 0,
    }
    if limits.get("nproc"):
        values["RLIMIT_NPROC"] = int(limits["nproc"])
    for name, value in values.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-size write fails with EFBIG instead
    return values


class Channel:
    """The worker's end of the two protocol pipes."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        from plugin_admin.sandbox.protocol import BlockingReader, encode, write_all

        self.read_fd, self.write_fd = read_fd, write_fd
        self._reader = BlockingReader(read_fd)
        self._encode, self._write_all = encode, write_all

    def send(self, message: dict[str, Any]) -> None:
        self._write_all(self.write_fd, self._encode(message))

    def read(self) -> dict[str, Any]:
        return self._reader.read()


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": str(getattr(exc, "message", None) or exc),
        "permission": getattr(exc, "permission", None),
        "traceback": "".join(traceback.format_exception(exc))[-8000:],
    }


def _raise_remote(error: dict[str, Any], plugin_id: str) -> None:
    from plugin_admin import errors

    kind = getattr(errors, str(error.get("type")), None)
    message = str(error.get("message"))
    if kind is errors.PermissionDeniedError:
        raise errors.PermissionDeniedError(
            message, plugin_id=plugin_id, permission=str(error.get("permission") or "")
        )
    if isinstance(kind, type) and issubclass(kind, errors.InvalidInputError):
        raise errors.InvalidInputError(message, plugin_id=plugin_id)
    raise errors.PluginError(message, plugin_id=plugin_id)


class ProxyContext:
    """The PluginContext inside the worker: every call is a request the host answers."""

    def __init__(self, channel: Channel, plugin_id: str, data_dir: Path) -> None:
        self.plugin_id = plugin_id
        self.data_dir = data_dir
        self._channel = channel

    def _call(self, method: str, args: dict[str, Any]) -> Any:
        self._channel.send({"t": "ctx", "m": method, "a": args})
        reply = self._channel.read()
        if reply.get("t") != "ctx_result":
            raise RuntimeError(f"protocol: expected ctx_result, got {reply.get('t')!r}")
        if not reply.get("ok"):
            _raise_remote(reply.get("error") or {}, self.plugin_id)
        return reply.get("value")

    def log(self, level: str, message: str) -> None:
        self._call("log", {"level": str(level), "message": str(message)})

    async def list_emails(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._call("list_emails", {"limit": int(limit)})

    async def get_email(self, email_id: str) -> dict[str, Any]:
        return self._call("get_email", {"email_id": str(email_id)})

    async def update_email(self, email_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._call("update_email", {"email_id": str(email_id), "changes": changes})

    async def send_email(self, to: str, subject: str, body: str) -> dict[str, Any]:
        return self._call("send_email", {"to": to, "subject": subject, "body": body})

    async def get_attachment(self, email_id: str, filename: str) -> bytes:
        value = self._call("get_attachment", {"email_id": email_id, "filename": filename})
        return base64.b64decode(value)

    async def read_data(self, name: str) -> bytes:
        return base64.b64decode(self._call("read_data", {"name": name}))

    async def write_data(self, name: str, data: bytes) -> None:
        encoded = base64.b64encode(bytes(data)).decode()
        self._call("write_data", {"name": name, "data": encoded})

    async def http_request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> dict[str, Any]:
        args = {"method": method, "url": url, "headers": headers, "body": body}
        return self._call("http_request", args)


class Worker:
    """Holds the plugin instance and answers the host's frames one at a time.

    The serve loop is itself a coroutine on a loop that never stops: a hook is awaited
    directly (no Task and no ``run_until_complete`` per call, which cost more than the pipe),
    ``asyncio.current_task()`` and ``asyncio.timeout`` work inside hooks, and the blocking
    read between calls simply parks the loop — this process has nothing else to do.
    """

    def __init__(self, channel: Channel, setup: dict[str, Any]) -> None:
        self.channel = channel
        self.setup = setup
        self.instance: Any = None

    async def serve(self) -> None:
        while True:
            try:
                message = self.channel.read()
            except EOFError:
                return
            kind = message["t"]
            try:
                value = await self.handle(kind, message)
                reply = {"t": "result", "ok": True, "value": value}
            except BaseException as exc:  # the plugin's failure is reported, not fatal
                reply = {"t": "result", "ok": False, "error": _error(exc)}
            try:
                self.channel.send(reply)
            except Exception as exc:  # not JSON, or over the frame limit
                error = {"type": "HookExecutionError", "message": f"unusable result: {exc}"}
                self.channel.send({"t": "result", "ok": False, "error": error})
            if kind == "stop":
                return

    async def handle(self, kind: str, message: dict[str, Any]) -> Any:
        if kind == "call":
            return await self.instance.execute_hook(message["hook"], **message["kwargs"])
        if kind == "load":
            return await self.load(message)
        if kind == "reconfigure":
            await self.instance.shutdown()
            return await self.initialize(message["config"])
        if kind == "stop":
            return await self.instance.shutdown() if self.instance is not None else None
        raise ValueError(f"unknown request {kind!r}")

    async def load(self, message: dict[str, Any]) -> dict[str, Any]:
        from plugin_admin.loader import create_instance, import_plugin_package

        plugin_id = message["plugin_id"]
        module = import_plugin_package(Path(self.setup["plugin_dir"]), plugin_id)
        manifest = types.SimpleNamespace(plugin_id=plugin_id, raw=message["manifest"])
        instance = create_instance(module, manifest)  # type: ignore[arg-type]
        instance.bind_context(ProxyContext(self.channel, plugin_id, Path(self.setup["data_dir"])))
        self.instance = instance
        capabilities = list(instance.get_capabilities())
        await self.initialize(message["config"])
        return {"capabilities": capabilities}

    async def initialize(self, config: dict[str, Any]) -> bool:
        ok = await self.instance.initialize(dict(config))
        if ok is False:
            raise ValueError("initialize() returned False (it refused the configuration)")
        return True


def main() -> None:
    setup = json.loads(sys.argv[1])
    if setup.get("uid") is not None:
        _drop_privileges(int(setup["uid"]))
    if setup.get("seccomp"):
        _install_seccomp(base64.b64decode(setup["seccomp"]))
    _install_light_package()
    channel = Channel(int(setup["read_fd"]), int(setup["write_fd"]))
    import plugin_admin.loader  # noqa: F401  (part of the baseline, not of the plugin's budget)
    from plugin_admin.sandbox.protocol import PROTOCOL_VERSION

    limits = _apply_limits(setup["limits"])
    globals()["channel"] = channel  # reachable by the plugin: it is its own channel anyway
    channel.send({"t": "hello", "protocol": PROTOCOL_VERSION, "pid": os.getpid(), "limits": limits})
    asyncio.run(Worker(channel, setup).serve())


if __name__ == "__main__":
    main()
