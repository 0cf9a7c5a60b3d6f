"""Source of the test plugin whose hooks attempt real escapes from inside the sandbox.

Each hook reports what happened (``errno`` names, counts) instead of raising, so one worker
can serve many attempts and the tests can assert the exact denial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.plugin_factory import write_plugin

PREAMBLE = """
import ctypes, errno, socket

def _errno(exc):
    return errno.errorcode.get(exc.errno, str(exc.errno))
"""

HOOKS = r"""
async def hook_ping(self):
    return {"pid": os.getpid(), "uid": os.getuid()}

async def hook_read(self, path):
    try:
        with open(path, "rb") as handle:
            return {"ok": True, "data": handle.read(200).decode(errors="replace")}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc)}

async def hook_listdir(self, path):
    try:
        return {"ok": True, "entries": sorted(os.listdir(path))}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc)}

async def hook_write(self, path):
    try:
        with open(path, "w") as handle:
            handle.write("written from the sandbox")
        return {"ok": True}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc)}

async def hook_connect(self, host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(3)
    try:
        sock.connect((host, port))
        sock.sendall(b"escaped")
        return {"ok": True}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc) if exc.errno else type(exc).__name__}
    finally:
        sock.close()

async def hook_environ(self):
    return dict(os.environ)

async def hook_processes(self):
    return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())

async def hook_kill(self, pid, sig):
    try:
        os.kill(pid, sig)
        return {"ok": True}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc)}

async def hook_fork_many(self, n):
    pids, error = [], None
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as exc:
            error = _errno(exc)
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return {"forked": len(pids), "errno": error}

async def hook_allocate(self, megabytes):
    try:
        block = bytearray(megabytes * 1024 ** 2)
        return {"ok": True, "size": len(block)}
    except MemoryError:
        return {"ok": False, "error": "MemoryError"}

async def hook_fill(self, path, megabytes):
    written = 0
    try:
        with open(path, "wb") as handle:
            for _ in range(megabytes):
                handle.write(b"\0" * 1048576)
                handle.flush()
                written += 1
        return {"ok": True, "megabytes": written}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc), "megabytes": written}
    finally:
        try:
            os.remove(path)
        except OSError:
            pass

async def hook_open_many(self, n):
    files = []
    try:
        for _ in range(n):
            files.append(open("/dev/null"))
        return {"ok": True, "opened": len(files)}
    except OSError as exc:
        return {"ok": False, "errno": _errno(exc), "opened": len(files)}
    finally:
        for handle in files:
            handle.close()

async def hook_syscalls(self):
    libc = ctypes.CDLL(None, use_errno=True)
    attempts = {
        "ptrace_attach_1": lambda: libc.ptrace(16, 1, 0, 0),
        "unshare_user": lambda: libc.unshare(0x10000000),
        "unshare_mount": lambda: libc.unshare(0x00020000),
        "setuid_0": lambda: libc.setuid(0),
        "mount_tmpfs": lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
    }
    results = {}
    for name, attempt in attempts.items():
        ctypes.set_errno(0)
        rc = attempt()
        results[name] = "ALLOWED" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?")
    return results

async def hook_limits(self):
    import resource
    names = ("AS", "FSIZE", "NOFILE", "NPROC", "CPU", "CORE")
    return {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name)) for name in names}

async def hook_ordinary_things(self):
    import subprocess, threading
    box = []
    thread = threading.Thread(target=lambda: box.append("thread ran"))
    thread.start()
    thread.join()
    done = subprocess.run(["/usr/bin/echo", "exec ran"], capture_output=True, text=True)
    return [box[0], done.stdout.strip(), await asyncio.sleep(0.01, "asyncio ran")]

async def hook_unshare(self):
    libc = ctypes.CDLL(None, use_errno=True)
    results = {}
    for name, flag in (("user", 0x10000000), ("mount", 0x00020000)):
        ctypes.set_errno(0)
        rc = libc.unshare(flag)
        results[name] = "ALLOWED" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?")
    return results

async def hook_spin(self):
    while True:
        pass

async def hook_exit(self):
    os._exit(3)

async def hook_segfault(self):
    ctypes.string_at(0)

async def hook_junk(self):
    print("junk line " * 50)
    print("more junk", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, b"\x00\x00\x00\x05{bad frame on stdout\n")
    os.write(2, bytes(range(256)))
    return {"still": "fine"}

async def hook_bad_frame(self, kind):
    import __main__
    fd = __main__.channel.write_fd
    if kind == "oversized":
        os.write(fd, (0xFFFFFFF0).to_bytes(4, "big"))
    else:
        os.write(fd, (8).to_bytes(4, "big") + b"not json")
    time.sleep(30)
    return "the host should have killed me"

async def hook_orphans(self, n):
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(300)
                os._exit(0)
            os._exit(0)
        os.waitpid(pid, 0)
    while True:
        pass

async def hook_send_mail(self):
    return await self.context.send_email("someone@example.com", "hello", "from the sandbox")

async def hook_list_mail(self):
    return await self.context.list_emails(1)

async def hook_plant(self, name, target):
    os.symlink(target, "/data/" + name)
    return True

async def hook_plant_fifo(self, name):
    os.mkfifo("/data/" + name)
    return True

async def hook_context_read(self, name):
    try:
        return {"ok": True, "data": (await self.context.read_data(name)).decode(errors="replace")}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}

async def hook_context_write(self, name, text):
    await self.context.write_data(name, text.encode())
    return True

async def hook_data_roundtrip(self, payload):
    await self.context.write_data("via-context.bin", payload.encode())
    return (await self.context.read_data("via-context.bin")).decode()
"""


def write_escape_plugin(root: Path, plugin_id: str = "escaper", **kwargs: Any) -> Path:
    """A sandboxed plugin with every escape hook (plus ``hooks`` given); kwargs go to write_plugin."""
    manifest = {"security_level": "sandboxed", **kwargs.pop("manifest", {})}
    return write_plugin(
        root,
        plugin_id,
        hooks=HOOKS + kwargs.pop("hooks", ""),
        preamble=PREAMBLE,
        hook_specs={},
        manifest=manifest,
        **kwargs,
    )
