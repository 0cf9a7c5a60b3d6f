"""Real escape attempts from inside a sandboxed plugin: each is denied, the manager stays up."""

from __future__ import annotations

import os
import signal
import socket
import threading

from plugin_admin import PluginManager
from plugin_admin.sandbox.isolation import plugin_uid, python_paths
from tests.conftest import PROJECT_ROOT
from tests.sandbox.conftest import call


async def test_worker_runs_as_the_plugins_own_unprivileged_uid(escaper: PluginManager) -> None:
    info = await call(escaper, "ping")
    assert info["uid"] == plugin_uid("escaper") != 0
    assert info["pid"] == 2  # its own pid namespace: bwrap's init is 1, the worker 2
    details = await escaper.get_plugin("escaper")
    assert "bubblewrap" in details["isolation"]
    assert "per-plugin uid" in details["isolation"]


async def test_host_files_are_not_readable(escaper: PluginManager) -> None:
    for path in (
        "/etc/shadow",
        "/root/.bashrc",
        str(PROJECT_ROOT / "pyproject.toml"),
        str(PROJECT_ROOT / "README.md"),
        str(escaper.settings.database_path),
    ):
        outcome = await call(escaper, "read", path=path)
        assert outcome == {"ok": False, "errno": "ENOENT"}, path
    # /root exists in the sandbox only as the parent of a mounted interpreter, if at all.
    interpreter_dirs = {p.parts[2] for p in python_paths() if p.is_relative_to("/root")}
    root = await call(escaper, "listdir", path="/root")
    assert (
        root == {"ok": True, "entries": sorted(interpreter_dirs)}
        if interpreter_dirs
        else (root == {"ok": False, "errno": "ENOENT"})
    )
    listing = await call(escaper, "listdir", path=str(PROJECT_ROOT))
    assert listing["entries"] == [".venv", "plugin_admin"]  # nothing else of the project
    # What it may read: its own code, read-only.
    assert (await call(escaper, "read", path="/plugin/plugin.json"))["ok"] is True


async def test_writes_outside_the_data_folder_fail(escaper: PluginManager, plugins_dir) -> None:
    assert await call(escaper, "write", path="/plugin/evil.py") == {"ok": False, "errno": "EROFS"}
    assert await call(escaper, "write", path="/usr/evil") == {"ok": False, "errno": "EROFS"}
    for path in ("/evil", str(PROJECT_ROOT / "plugin_admin" / "evil.py")):
        assert (await call(escaper, "write", path=path))["ok"] is False, path
    assert not (plugins_dir / "escaper" / "evil.py").exists()
    assert not (PROJECT_ROOT / "plugin_admin" / "evil.py").exists()
    # Its data folder is writable, and it is the same folder the host context uses.
    assert await call(escaper, "write", path="/data/notes.txt") == {"ok": True}
    data_dir = escaper.settings.plugin_data_path("escaper") / "files"
    assert (data_dir / "notes.txt").read_text() == "written from the sandbox"
    assert await call(escaper, "data_roundtrip", payload="héllo") == "héllo"


async def test_no_network_not_even_the_hosts_loopback(escaper: PluginManager) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    arrived: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                arrived.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        local = await call(escaper, "connect", host="127.0.0.1", port=port)
        public = await call(escaper, "connect", host="93.184.215.14", port=80)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert local == {"ok": False, "errno": "ECONNREFUSED"}  # its own empty loopback
    assert arrived == []
    assert public == {"ok": False, "errno": "ENETUNREACH"}  # no route out: nothing left


async def test_host_environment_is_not_visible(plugins_dir, start_manager, monkeypatch) -> None:
    from tests.sandbox.escape_plugin import write_escape_plugin

    monkeypatch.setenv("PLUGIN_ADMIN_TEST_SECRET", "hunter2-secret")
    write_escape_plugin(plugins_dir)
    manager = await start_manager()
    await manager.load_plugin("escaper")
    environment = await call(manager, "environ")
    assert "PLUGIN_ADMIN_TEST_SECRET" not in environment
    assert "hunter2-secret" not in repr(environment)
    allowed = {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "MALLOC_ARENA_MAX", "PWD"}
    assert set(environment) <= allowed


async def test_host_processes_are_invisible_and_unsignalable(escaper: PluginManager) -> None:
    assert await call(escaper, "processes") == [1, 2]
    host = os.getpid()
    assert await call(escaper, "kill", pid=host, sig=int(signal.SIGTERM)) == {
        "ok": False,
        "errno": "ESRCH",
    }
    # pid 1 is bwrap's init (root): a different uid may not signal it.
    assert await call(escaper, "kill", pid=1, sig=int(signal.SIGKILL)) == {
        "ok": False,
        "errno": "EPERM",
    }
    assert (await call(escaper, "ping"))["pid"] == 2  # same worker, still serving


async def test_dangerous_syscalls_are_refused(escaper: PluginManager) -> None:
    results = await call(escaper, "syscalls")
    assert results == {
        "ptrace_attach_1": "EPERM",
        "unshare_user": "EPERM",
        "unshare_mount": "EPERM",
        "setuid_0": "EPERM",
        "mount_tmpfs": "EPERM",
    }


async def test_resource_limits_hold_and_the_worker_survives(escaper: PluginManager) -> None:
    pid_before = (await call(escaper, "ping"))["pid"]
    forks = await call(escaper, "fork_many", n=500)
    assert forks["errno"] == "EAGAIN" and forks["forked"] < 64

    assert await call(escaper, "allocate", megabytes=10 * 1024) == {
        "ok": False,
        "error": "MemoryError",
    }
    # The budget is PLUGIN_MAX_MEMORY_MB (100) on top of the interpreter's own baseline.
    assert await call(escaper, "allocate", megabytes=80) == {"ok": True, "size": 80 * 1024**2}
    assert await call(escaper, "allocate", megabytes=150) == {"ok": False, "error": "MemoryError"}

    tmp = await call(escaper, "fill", path="/tmp/fill", megabytes=256)
    assert tmp["ok"] is False and tmp["errno"] in {"ENOSPC", "EFBIG"} and tmp["megabytes"] <= 64
    shm = await call(escaper, "fill", path="/dev/shm/fill", megabytes=256)
    assert shm["ok"] is False and shm["errno"] == "ENOSPC" and shm["megabytes"] <= 1
    data = await call(escaper, "fill", path="/data/big", megabytes=256)  # PLUGIN_MAX_FILE_SIZE_MB
    assert data == {"ok": False, "errno": "EFBIG", "megabytes": 50}

    files = await call(escaper, "open_many", n=10_000)
    assert files["ok"] is False and files["errno"] == "EMFILE" and files["opened"] < 256

    # Every limit answered with an error inside the same worker, which still serves calls.
    assert (await call(escaper, "ping"))["pid"] == pid_before
    assert escaper._plugins["escaper"].runner.restarts == 0


async def test_limits_are_set_hard_and_ordinary_code_still_works(escaper: PluginManager) -> None:
    limits = await call(escaper, "limits")
    assert all(soft == hard for soft, hard in limits.values())  # the plugin cannot raise them
    assert limits["FSIZE"][0] == 50 * 1024 * 1024
    assert limits["NOFILE"][0] == 256 and limits["NPROC"][0] == 64
    assert limits["CPU"][0] == 600 and limits["CORE"][0] == 0
    assert 100 * 1024 * 1024 < limits["AS"][0] < 200 * 1024 * 1024  # baseline + 100 MiB
    # seccomp and the limits leave threads, fork+exec and asyncio alone.
    assert await call(escaper, "ordinary_things") == ["thread ran", "exec ran", "asyncio ran"]


async def test_host_never_follows_links_or_fifos_planted_in_the_data_folder(
    escaper: PluginManager, tmp_path
) -> None:
    """The host context runs as root on the host: it must not be the sandbox's confused deputy."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host secret")
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    assert await call(escaper, "plant", name="leak", target=str(secret))
    outcome = await call(escaper, "context_read", name="leak")
    assert outcome["ok"] is False and "host secret" not in repr(outcome)
    assert await call(escaper, "plant_fifo", name="pipe")
    outcome = await call(escaper, "context_read", name="pipe")  # must not hang the host
    assert outcome == {
        "ok": False,
        "error": "InvalidInputError: Data file 'pipe' is not a regular file.",
    }
    # A link where the host writes: the file is replaced, the link's target is not written.
    assert await call(escaper, "plant", name="target.txt", target=str(victim))
    assert await call(escaper, "context_write", name="target.txt", text="new content")
    assert victim.read_text() == "untouched"
    files = escaper.settings.plugin_data_path("escaper") / "files"
    assert (files / "target.txt").read_text() == "new content"
    assert not (files / "target.txt").is_symlink()
