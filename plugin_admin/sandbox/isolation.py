"""How a sandbox worker is isolated: bubblewrap argv, seccomp filter, per-plugin uid, limits.

Design (measured on the target machine, see docs/security.md):

* **bubblewrap** gives the worker its own mount, pid, network, ipc and uts namespaces. Only
  ``/usr``, the Python prefix, the virtualenv and the ``plugin_admin`` package are mounted
  (read-only), the plugin's code read-only at ``/plugin``, its data folder writable at
  ``/data``, sized tmpfs on ``/tmp`` and ``/dev/shm``; the environment is cleared.
* **Per-plugin uid**: when the manager runs as root, bwrap runs privileged (no user
  namespace) and the worker drops, before it reads any plugin code, to an unprivileged uid
  derived from the plugin id (:func:`plugin_uid`). Running as root with a user namespace is
  not enough: the host kernel would still see uid 0 and e.g. ``/etc/shadow`` would stay
  readable if mounted; and RLIMIT_NPROC is not enforced for root and counts per uid.
  Without root, bwrap uses an unprivileged user namespace and the worker keeps the host uid.
* **seccomp** (libseccomp through ctypes): a deny list of the calls a plugin never needs and
  that have been used to escape or freeze sandboxes (ptrace, namespaces, mount, bpf, keyrings,
  io_uring, userfaultfd, perf, TIOCSTI...). Everything else, including fork and threads, works.
* **rlimits** are set by the worker itself before the plugin is imported (the worker is our
  code, so it is the "tiny launcher"; no ``preexec_fn`` in a threaded host).

When bubblewrap is missing or unusable the worker still runs as a separate process with the
limits and a cleared environment, and :func:`isolation_label` says "sandboxed without OS
isolation": never a silent downgrade.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plugin_admin

PACKAGE_DIR = Path(plugin_admin.__file__).resolve().parent
CHILD_SCRIPT = PACKAGE_DIR / "sandbox" / "child.py"
UID_BASE = 2_000_000_000
UID_SPAN = 100_000_000
TMP_SIZE_MB = 64
SHM_SIZE_BYTES = 1024 * 1024
NOFILE_LIMIT = 256
NPROC_LIMIT = 64
CPU_BACKSTOP_SECONDS = 600
PLUGIN_MOUNT = "/plugin"
DATA_MOUNT = "/data"

LABEL_OS = "sandboxed (bubblewrap namespaces, seccomp, rlimits{uid})"
LABEL_NO_OS = "sandboxed without OS isolation (separate process with {guards} only: {reason})"


def plugin_uid(plugin_id: str) -> int:
    """A stable unprivileged uid (and gid) for one plugin, in a range no distro allocates.

    Two plugins may collide (1 in 10^8); that only means they share an RLIMIT_NPROC count:
    they still run in separate namespaces and each sees only its own data folder.
    """
    return UID_BASE + zlib.crc32(plugin_id.encode()) % UID_SPAN


@dataclass(frozen=True)
class Limits:
    """What the worker applies to itself before importing the plugin."""

    memory_mb: int
    file_size_mb: int
    nofile: int = NOFILE_LIMIT
    nproc: int | None = NPROC_LIMIT
    cpu_seconds: int = CPU_BACKSTOP_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "memory_mb": self.memory_mb,
            "file_size_mb": self.file_size_mb,
            "nofile": self.nofile,
            "nproc": self.nproc,
            "cpu_seconds": self.cpu_seconds,
        }


# ----------------------------------------------------------------------------- seccomp
_DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "keyctl", "add_key", "request_key",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsmount", "fspick", "mount_setattr",
    "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "vhangup",
    "personality", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl",
)  # fmt: skip
_SCMP_ACT_ALLOW = 0x7FFF0000
_EPERM, _ENOSYS = 1, 38
_SCMP_CMP_MASKED_EQ = 7
_CLONE_NEWUSER = 0x10000000
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C


def _errno_action(errno: int) -> int:
    return 0x00050000 | (errno & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


@functools.cache
def seccomp_program() -> bytes | None:
    """The compiled BPF deny list, or None when libseccomp is not available."""
    name = ctypes.util.find_library("seccomp")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        return None
    fd = -1
    try:

        def deny(syscall: str, errno: int = _EPERM, *conditions: _ArgCmp) -> None:
            number = lib.seccomp_syscall_resolve_name(syscall.encode())
            if number < 0:  # not on this architecture
                return
            array = (_ArgCmp * len(conditions))(*conditions) if conditions else None
            if lib.seccomp_rule_add_array(
                ctx, _errno_action(errno), number, len(conditions), array
            ):
                raise OSError(f"seccomp_rule_add failed for {syscall}")

        for syscall in _DENIED_SYSCALLS:
            deny(syscall)
        deny("clone3", _ENOSYS)  # glibc falls back to clone(), whose flags we can inspect
        deny("clone", _EPERM, _ArgCmp(0, _SCMP_CMP_MASKED_EQ, _CLONE_NEWUSER, _CLONE_NEWUSER))
        for request in (_TIOCSTI, _TIOCLINUX):
            deny("ioctl", _EPERM, _ArgCmp(1, _SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, request))
        fd = os.memfd_create("seccomp-export")
        if lib.seccomp_export_bpf(ctx, fd):
            return None
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1 << 20)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
        lib.seccomp_release(ctx)


def seccomp_memfd(program: bytes) -> int:
    """A fresh memfd holding the filter, positioned at 0, for bwrap's ``--seccomp``."""
    fd = os.memfd_create("seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# ---------------------------------------------------------------------------- bwrap
def python_paths() -> list[Path]:
    """What the interpreter needs: its prefix(es) and the virtualenv, resolved at runtime."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    paths.add(Path(sys.executable).resolve().parent.parent)
    return sorted(paths)


def _mount_roots() -> list[Path]:
    """Read-only mounts besides /usr: interpreter, venv, and this package (if outside them)."""
    roots = python_paths()
    if not any(PACKAGE_DIR.is_relative_to(root) for root in roots):
        roots.append(PACKAGE_DIR)
    return [r for r in roots if not r.is_relative_to("/usr")]


@functools.cache
def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def bwrap_argv(
    plugin_dir: Path,
    data_dir: Path,
    *,
    privileged: bool,
    tmp_size_mb: int,
    seccomp_fd: int | None,
) -> list[str]:
    """The bwrap command line (without the trailing ``-- python ...``)."""
    bwrap = bwrap_path()
    assert bwrap is not None
    argv = [bwrap]
    if privileged:
        # Root: no user namespace, so the worker's setresuid() reaches a real host uid.
        argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        argv += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
            argv += ["--cap-add", cap]
    else:
        argv += ["--unshare-all", "--unshare-user", "--disable-userns"]
    argv += ["--die-with-parent", "--new-session"]
    # The sized /tmp first: bwrap mounts in order, and the interpreter, venv or project may
    # themselves live under /tmp (a CI checkout does): their binds must land on top of it.
    argv += ["--perms", "1777", "--size", str(tmp_size_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for link, target in (("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin")):
        if Path(link).is_symlink() or not Path(link).exists():
            argv += ["--symlink", target, link]
        else:
            argv += ["--ro-bind", link, link]
    created: set[str] = set()
    for root in _mount_roots():
        for parent in reversed(root.parents[:-1]):  # bwrap would create them 0700
            if str(parent) not in created:
                created.add(str(parent))
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(root), str(root)]
    argv += ["--ro-bind", str(plugin_dir), PLUGIN_MOUNT, "--bind", str(data_dir), DATA_MOUNT]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--perms", "1777", "--size", str(SHM_SIZE_BYTES), "--tmpfs", "/dev/shm"]
    argv += ["--remount-ro", "/dev"]
    argv += ["--clearenv", *_env_args(), "--chdir", PLUGIN_MOUNT]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    return argv


def worker_env(home: str) -> dict[str, str]:
    """The whole environment a worker gets: nothing of the host's (no secrets)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",  # each glibc arena reserves 64 MiB of address space
    }


def _env_args() -> list[str]:
    args = []
    for key, value in worker_env(DATA_MOUNT).items():
        args += ["--setenv", key, value]
    return args


# ----------------------------------------------------------------------- detection
@functools.cache
def probe_bwrap() -> tuple[bool, str]:
    """Run bwrap once with our namespace options; (usable, reason)."""
    path = bwrap_path()
    if path is None:
        return False, "bubblewrap is not installed (apt-get install bubblewrap)"
    privileged = os.geteuid() == 0
    base = bwrap_argv(
        Path("/usr"), Path("/tmp"), privileged=privileged, tmp_size_mb=1, seccomp_fd=None
    )
    try:
        result = subprocess.run(
            [*base, "--", "/usr/bin/true"],
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not run: {exc}"
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip()[:300]
        return False, f"bubblewrap is installed but not usable here: {detail}"
    return True, "bubblewrap works"


def world_traversable() -> bool:
    """Can another uid run this interpreter and read the package? Without bwrap's own mounts,
    a per-plugin uid is only possible then (e.g. not with an interpreter under /root)."""
    for root in [*python_paths(), PACKAGE_DIR]:
        for folder in [root, *root.parents]:
            if not folder.stat().st_mode & 0o001:
                return False
    return True


def uses_own_uid(use_bwrap: bool) -> bool:
    return os.geteuid() == 0 and (use_bwrap or world_traversable())


def isolation_label(use_bwrap: bool, reason: str = "", *, own_uid: bool | None = None) -> str:
    """The one-line truth shown in the console and API next to a sandboxed plugin."""
    if own_uid is None:
        own_uid = uses_own_uid(use_bwrap)
    if use_bwrap:
        return LABEL_OS.format(uid=", per-plugin uid" if own_uid else "")
    guards = "rlimits and seccomp" if seccomp_program() is not None else "rlimits"
    label = LABEL_NO_OS.format(guards=guards, reason=reason or "bubblewrap not usable")
    if not own_uid:
        label = label[:-1] + "; it runs as the host's own user)"
    return label


def sandbox_status() -> dict[str, Any]:
    """What the console's settings tab shows about the sandbox on this machine."""
    usable, reason = probe_bwrap()
    root = os.geteuid() == 0
    return {
        "bwrap_path": bwrap_path(),
        "bwrap_usable": usable,
        "reason": reason,
        "seccomp": seccomp_program() is not None,
        "per_plugin_uid": uses_own_uid(usable),
        "running_as_root": root,
        "isolation": isolation_label(usable, reason),
        "uid_range": [UID_BASE, UID_BASE + UID_SPAN - 1] if root else None,
    }
