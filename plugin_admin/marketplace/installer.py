"""Transactional plugin folders: stage, validate, swap in atomically, keep old versions.

Every install, update and rollback prepares the new folder in a staging area beside
PLUGINS_DIR (same filesystem, so the final step is one ``rename``), writes a small journal, and
only then swaps. A kill -9 at any moment leaves the old folder or the new one in
``PLUGINS_DIR/<id>``; :func:`recover` (run at start-up) finishes or undoes a half-done swap
and deletes leftovers. Previous versions go to ``<data>/versions/<id>/<version>/``.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from loguru import logger
from packaging.version import Version

from ..errors import OperationInProgressError, PackageError, StorageError
from ..manifest import Manifest, read_manifest
from ..permissions import check_known
from ..settings import PROJECT_ROOT
from .packages import ExtractLimits, safe_extract

STAGING_NAME = ".plugin-admin-staging"
JOURNAL = "journal.json"
LOCK = ".lock"
KEPT_META = "kept.json"
PROBE_OUTPUT_LIMIT = 64 * 1024  # per stream; a probe prints one JSON line or a traceback

# Runs in a fresh interpreter (python -I): import the staged package with plugin-admin's own
# loader and call create_plugin(), so a package that crashes or hangs cannot hurt the manager.
# Like the sandbox worker, it gives plugins a light ``plugin_admin`` package (base types and
# errors) and runs the real ``__init__`` (manager, HTTP client...) only if a plugin asks for more.
PROBE = """
import importlib.util, json, sys, types
from pathlib import Path
sys.path.insert(0, sys.argv[1])
root = Path(sys.argv[1]) / "plugin_admin"
package = types.ModuleType("plugin_admin")
package.__path__, package.__file__ = [str(root)], str(root / "__init__.py")
package.__package__ = "plugin_admin"
package.__spec__ = importlib.util.spec_from_file_location(
    "plugin_admin", root / "__init__.py", submodule_search_locations=[str(root)])
sys.modules["plugin_admin"] = package
def full_package(name):
    if name.startswith("__"):
        raise AttributeError(name)
    del package.__dict__["__getattr__"]
    exec(compile((root / "__init__.py").read_text(), package.__file__, "exec"), package.__dict__)
    return getattr(package, name)
from plugin_admin import base, errors
for module in (base, errors):
    for name in dir(module):
        if not name.startswith("_"):
            setattr(package, name, getattr(module, name))
package.__getattr__ = full_package
from plugin_admin.loader import create_instance, import_plugin_package
from plugin_admin.manifest import read_manifest
folder, plugin_id = Path(sys.argv[2]), sys.argv[3]
manifest = read_manifest(folder)
if manifest.plugin_id != plugin_id:
    raise SystemExit(f"plugin.json declares {manifest.plugin_id!r}, expected {plugin_id!r}")
instance = create_instance(import_plugin_package(folder, plugin_id), manifest)
print(json.dumps({"ok": True, "capabilities": list(instance.get_capabilities())}))
"""


def staging_root(plugins_dir: Path) -> Path:
    return Path(plugins_dir).resolve().parent / STAGING_NAME


@dataclass
class Stage:
    """One operation's private folder in the staging area.

    It holds an flock on ``.lock`` while alive: another process starting up (a CLI command
    beside the server) must not "recover" a stage that is still in use. The kernel drops the
    lock when the owner dies, even by kill -9.
    """

    root: Path
    plugin_id: str
    lock: IO[bytes] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(cls, plugins_dir: Path, plugin_id: str) -> Stage:
        parent = staging_root(plugins_dir)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            root = Path(tempfile.mkdtemp(prefix=f"{plugin_id}-", dir=parent))
            lock = open(root / LOCK, "wb")  # noqa: SIM115 (held for the stage's lifetime)
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise StorageError(f"Cannot create a staging folder in {parent}: {exc}.") from None
        return cls(root, plugin_id, lock)

    def renamed(self, plugin_id: str) -> Stage:
        """The same stage for another plugin id (an upload learns its id after extraction)."""
        return Stage(self.root, plugin_id, self.lock)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None

    @property
    def new(self) -> Path:
        return self.root / "new" / self.plugin_id

    @property
    def old(self) -> Path:
        return self.root / "old" / self.plugin_id

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.release()


def _in_use(folder: Path) -> bool:
    """True while a live process holds the stage's lock."""
    try:
        with open(folder / LOCK, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return False


@contextmanager
def process_lock(lock_dir: Path, plugin_id: str, operation: str) -> Iterator[None]:
    """Across processes (a CLI command beside the server): one change of a plugin at a time.

    ``lock_dir/<id>.lock`` files stay (deleting a lock file races with its next user).
    """
    parent = Path(lock_dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        handle = open(parent / f"{plugin_id}.lock", "wb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise StorageError(f"Cannot create a lock file in {parent}: {exc}.") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise OperationInProgressError(
            f"Another process is changing {plugin_id!r} right now; try {operation} again when "
            "it has finished.",
            plugin_id=plugin_id,
        ) from None
    try:
        yield
    finally:
        handle.close()


def extract(data: bytes, stage: Stage, limits: ExtractLimits) -> Path:
    stage.new.parent.mkdir(parents=True, exist_ok=True)
    safe_extract(data, stage.new, limits)
    return stage.new


def validate(folder: Path, plugin_id: str | None, version: str | None) -> Manifest:
    """Manifest schema, permissions known, id and version equal to what the index promised."""
    manifest = read_manifest(folder)
    if plugin_id is not None and manifest.plugin_id != plugin_id:
        raise PackageError(
            f"The package declares plugin_id {manifest.plugin_id!r}, but the marketplace entry "
            f"is {plugin_id!r}: refused (the index and the package disagree)."
        )
    if version is not None and Version(manifest.version) != Version(version):
        raise PackageError(
            f"The package of {manifest.plugin_id!r} declares version {manifest.version!r}, but "
            f"the marketplace promised {version!r}: refused."
        )
    check_known(manifest.plugin_id, manifest.permissions)
    if not (folder / "__init__.py").is_file():
        raise PackageError(f"The package of {manifest.plugin_id!r} has no __init__.py.")
    return manifest


async def probe_import(
    folder: Path, plugin_id: str, timeout: float, *, sandboxed: bool = False
) -> list[str]:
    """Import the package and call create_plugin() in a separate process; its capabilities.

    A plugin that will run sandboxed is probed inside bubblewrap (read-only plugin folder, no
    network, empty scratch data dir), so its import-time code never runs with the manager's
    rights. Without a usable bubblewrap it is not imported at all here: :func:`static_check`
    looks for ``create_plugin`` and the sandboxed worker does the real import at load time.
    """
    command = [sys.executable, "-I", "-c", PROBE, str(PROJECT_ROOT), str(folder), plugin_id]
    cwd = str(folder.parent)
    scratch: Path | None = None
    if sandboxed:
        from ..sandbox import isolation

        usable, _ = isolation.probe_bwrap()
        if not usable:
            static_check(folder, plugin_id)
            return []
        scratch = Path(tempfile.mkdtemp(prefix="probe-", dir=folder.parent.parent))
        argv = isolation.bwrap_argv(
            folder,
            scratch,
            privileged=os.geteuid() == 0,
            tmp_size_mb=16,
            seccomp_fd=None,
        )
        command = [*argv, "--", *command[:5], isolation.PLUGIN_MOUNT, plugin_id]
        cwd = "/"
    try:
        return await _run_probe(command, cwd, plugin_id, timeout)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def static_check(folder: Path, plugin_id: str) -> None:
    """Without importing: ``__init__.py`` parses and defines or imports ``create_plugin``."""
    import ast

    try:
        tree = ast.parse((folder / "__init__.py").read_bytes())
    except (SyntaxError, ValueError) as exc:
        raise PackageError(f"{plugin_id!r}: __init__.py is not valid Python ({exc}).") from None
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    if "create_plugin" not in names:
        raise PackageError(
            f"{plugin_id!r}: __init__.py must define create_plugin() returning a "
            "PluginInterface instance."
        )


class _OutputFlood(Exception):
    """The probed package wrote more than :data:`PROBE_OUTPUT_LIMIT` to one stream."""


async def _read_capped(stream: asyncio.StreamReader | None, limit: int) -> bytes:
    """A stream to its end, refused past ``limit`` bytes so a chatty import cannot fill memory."""
    kept = bytearray()
    while stream is not None and (chunk := await stream.read(64 * 1024)):
        kept += chunk
        if len(kept) > limit:
            raise _OutputFlood
    return bytes(kept)


async def _run_probe(command: list[str], cwd: str, plugin_id: str, timeout: float) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        start_new_session=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    readers = [
        asyncio.ensure_future(_read_capped(process.stdout, PROBE_OUTPUT_LIMIT)),
        asyncio.ensure_future(_read_capped(process.stderr, PROBE_OUTPUT_LIMIT)),
    ]
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await asyncio.gather(*readers)
            await process.wait()
    except TimeoutError:
        await _reap(process, readers)
        raise PackageError(
            f"Importing {plugin_id!r} did not finish within {timeout:g} s "
            "(PLUGIN_TIMEOUT_SECONDS): the package hangs at import and was refused."
        ) from None
    except _OutputFlood:
        await _reap(process, readers)
        raise PackageError(
            f"Importing {plugin_id!r} wrote more than {PROBE_OUTPUT_LIMIT // 1024} KiB of "
            "output: the package was refused (a plugin must not print at import time)."
        ) from None
    finally:
        for reader in readers:
            reader.cancel()
        if process.returncode is None:
            _kill_group(process.pid)
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    if process.returncode == 0 and lines:
        try:
            result = json.loads(lines[-1])
            return [str(c) for c in result.get("capabilities", [])]
        except ValueError:
            pass
    detail = stderr.decode("utf-8", "replace").strip().splitlines()
    reason = detail[-1] if detail else f"exit status {process.returncode}"
    raise PackageError(
        f"Test import of {plugin_id!r} failed: {reason}. The package was refused; nothing was "
        "installed."
    )


async def _reap(process: asyncio.subprocess.Process, readers: list[asyncio.Future]) -> None:
    """Kill the probe's group and drain its pipes: wait() only returns once they are closed."""
    _kill_group(process.pid)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await process.communicate()  # bounded: the group is dead, only buffered bytes remain


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def activate(stage: Stage, plugins_dir: Path, archive: dict[str, Any] | None) -> None:
    """Swap ``stage.new`` into ``PLUGINS_DIR/<id>``; the old folder is archived if asked.

    ``archive`` = {"versions_dir", "version", "meta"} describes where the old folder goes.
    """
    target = Path(plugins_dir) / stage.plugin_id
    journal = {"plugin_id": stage.plugin_id, "target": str(target), "archive": archive}
    _write_json(stage.root / JOURNAL, journal)
    if target.exists():
        stage.old.parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, stage.old)
    os.rename(stage.new, target)
    _fsync_dir(target.parent)
    _archive_old(stage, archive)
    stage.discard()


def remove(plugins_dir: Path, plugin_id: str) -> None:
    """Take ``PLUGINS_DIR/<id>`` away in one rename, then delete it."""
    target = Path(plugins_dir) / plugin_id
    if not target.exists():
        return
    stage = Stage.create(plugins_dir, plugin_id)
    stage.old.parent.mkdir(parents=True, exist_ok=True)
    os.rename(target, stage.old)
    stage.discard()


def _archive_old(stage: Stage, archive: dict[str, Any] | None) -> None:
    if archive is None or not stage.old.exists():
        return
    try:
        keep_version(
            stage.old,
            Path(archive["versions_dir"]),
            stage.plugin_id,
            archive["version"],
            archive.get("meta", {}),
        )
    except OSError as exc:  # the swap already succeeded: losing the archive is not fatal
        logger.warning("could not keep {} {}: {}", stage.plugin_id, archive["version"], exc)


def recover(plugins_dir: Path) -> list[str]:
    """Finish or undo swaps interrupted by a crash, and delete staging leftovers."""
    parent = staging_root(plugins_dir)
    if not parent.is_dir():
        return []
    notes = []
    for item in sorted(parent.iterdir()):
        if _in_use(item):
            continue  # another live process is installing right now
        journal_path = item / JOURNAL
        plugin_id = item.name.rsplit("-", 1)[0]
        if journal_path.is_file():
            try:
                journal = json.loads(journal_path.read_text())
                stage = Stage(item, journal["plugin_id"])
                target = Path(journal["target"])
                if not target.exists() and stage.old.exists():
                    os.rename(stage.old, target)
                    notes.append(f"{stage.plugin_id}: interrupted swap undone (old version kept)")
                elif target.exists() and stage.old.exists():
                    _archive_old(stage, journal.get("archive"))
                    notes.append(f"{stage.plugin_id}: interrupted swap completed")
            except (OSError, ValueError, KeyError) as exc:
                notes.append(f"{plugin_id}: could not read the journal in {item}: {exc}")
        shutil.rmtree(item, ignore_errors=True)
        notes.append(f"{plugin_id}: removed staging leftovers {item.name}")
    return notes


# ------------------------------------------------------------------------- kept versions
def _kept_root(versions_dir: Path, plugin_id: str) -> Path:
    return Path(versions_dir) / plugin_id


def keep_version(
    folder: Path, versions_dir: Path, plugin_id: str, version: str, meta: dict[str, Any]
) -> None:
    """Move a plugin folder into the versions store (replacing the same version)."""
    root = _kept_root(versions_dir, plugin_id)
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    shutil.move(str(folder), str(partial / plugin_id))
    _write_json(partial / KEPT_META, {**meta, "version": version, "archived_at": time.time()})
    final = root / version
    if final.exists():
        shutil.rmtree(final)
    os.rename(partial, final)


def kept_versions(versions_dir: Path, plugin_id: str) -> list[dict[str, Any]]:
    """Kept versions, most recently archived first."""
    root = _kept_root(versions_dir, plugin_id)
    if not root.is_dir():
        return []
    kept = []
    for item in root.iterdir():
        if item.name.startswith(".") or not (item / plugin_id / "plugin.json").is_file():
            continue
        try:
            meta = json.loads((item / KEPT_META).read_text())
        except (OSError, ValueError):
            meta = {"version": item.name, "archived_at": item.stat().st_mtime}
        meta["path"] = str(item / plugin_id)
        kept.append(meta)
    return sorted(kept, key=lambda m: m.get("archived_at", 0), reverse=True)


def stage_kept(versions_dir: Path, plugin_id: str, version: str, stage: Stage) -> Path:
    """Copy a kept version into ``stage.new`` (the kept copy stays until the swap is done)."""
    source = _kept_root(versions_dir, plugin_id) / version / plugin_id
    stage.new.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, stage.new, ignore=shutil.ignore_patterns("__pycache__"))
    return stage.new


def drop_kept(versions_dir: Path, plugin_id: str, version: str | None = None) -> None:
    """Delete one kept version, or all of a plugin's kept versions."""
    root = _kept_root(versions_dir, plugin_id)
    shutil.rmtree(root / version if version else root, ignore_errors=True)


def prune_kept(versions_dir: Path, plugin_id: str, keep: int) -> None:
    for meta in kept_versions(versions_dir, plugin_id)[keep:]:
        drop_kept(versions_dir, plugin_id, meta["version"])


def _write_json(path: Path, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
