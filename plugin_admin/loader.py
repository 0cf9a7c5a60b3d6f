"""Import a plugin folder as a package under a unique module name.

Each load gets a fresh name (``plugin_admin_plugins.<id>__<n>``), so two plugins that both ship
a ``utils`` module never collide, and a reload always executes the source as it is on disk now:
our finder compiles plugin sources directly and never reads or writes ``.pyc`` files (a stale
cache after a quick edit is the classic "reload did nothing" bug, and plugin folders may be
read-only). Plugin modules must import their siblings relatively (``from . import utils``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import PluginInterface
from .errors import InvalidManifestError
from .plugin_logs import PLUGIN_MODULE_ROOT

if TYPE_CHECKING:  # the sandbox worker imports this module: keep jsonschema out of it
    from .manifest import Manifest

_generation = itertools.count(1)
_lock = threading.Lock()


class _FreshSourceLoader(importlib.machinery.SourceFileLoader):
    """Compile from source every time; never touch bytecode caches."""

    def get_code(self, fullname: str) -> types.CodeType:
        source_path = self.get_filename(fullname)
        source = self.get_data(source_path)
        return compile(source, source_path, "exec", dont_inherit=True)

    def set_data(self, path: str, data: bytes, *, _mode: int = 0o666) -> None:
        return None


class _PluginFinder(importlib.abc.MetaPathFinder):
    """Finds submodules of plugin packages (names under ``plugin_admin_plugins.``)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PLUGIN_MODULE_ROOT + ".") or not path:
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path:
            base = Path(entry) / leaf
            if (base / "__init__.py").is_file():
                return importlib.util.spec_from_file_location(
                    fullname,
                    base / "__init__.py",
                    loader=_FreshSourceLoader(fullname, str(base / "__init__.py")),
                    submodule_search_locations=[str(base)],
                )
            module_file = base.with_suffix(".py")
            if module_file.is_file():
                return importlib.util.spec_from_file_location(
                    fullname, module_file, loader=_FreshSourceLoader(fullname, str(module_file))
                )
        return None


def _install_finder() -> None:
    with _lock:
        if PLUGIN_MODULE_ROOT not in sys.modules:
            root = types.ModuleType(PLUGIN_MODULE_ROOT)
            root.__path__ = []  # a namespace for plugin packages; nothing is found through it
            sys.modules[PLUGIN_MODULE_ROOT] = root
        if not any(isinstance(finder, _PluginFinder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _PluginFinder())


def import_plugin_package(plugin_dir: Path, plugin_id: str) -> types.ModuleType:
    """Execute ``plugin_dir/__init__.py`` as a fresh package and return it."""
    _install_finder()
    name = f"{PLUGIN_MODULE_ROOT}.{plugin_id}__{next(_generation)}"
    init = plugin_dir / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name,
        init,
        loader=_FreshSourceLoader(name, str(init)),
        submodule_search_locations=[str(plugin_dir)],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        drop_modules(name)
        raise
    return module


def drop_modules(package_name: str) -> None:
    """Forget a plugin package and every submodule it imported."""
    prefix = package_name + "."
    for name in [n for n in sys.modules if n == package_name or n.startswith(prefix)]:
        sys.modules.pop(name, None)


def create_instance(module: types.ModuleType, manifest: Manifest) -> PluginInterface:
    """Call the package's ``create_plugin()`` and check the instance against its manifest."""
    factory: Any = getattr(module, "create_plugin", None)
    if not callable(factory):
        raise InvalidManifestError(
            f"Plugin {manifest.plugin_id!r}: __init__.py must define create_plugin() returning a "
            "PluginInterface instance."
        )
    instance = factory()
    if not isinstance(instance, PluginInterface):
        raise InvalidManifestError(
            f"Plugin {manifest.plugin_id!r}: create_plugin() returned {type(instance).__name__}, "
            "not a PluginInterface."
        )
    check_metadata_agrees(instance, manifest)
    return instance


def check_metadata_agrees(instance: PluginInterface, manifest: Manifest) -> None:
    metadata = instance.get_metadata()
    for field in ("plugin_id", "version"):
        declared, reported = manifest.raw[field], getattr(metadata, field, None)
        if declared != reported:
            raise InvalidManifestError(
                f"Plugin {manifest.plugin_id!r}: plugin.json says {field} {declared!r} but "
                f"get_metadata() returns {reported!r}; make them equal."
            )


def check_syntax(plugin_dir: Path) -> None:
    """Compile every module of the plugin without running any of it."""
    for source in sorted(plugin_dir.rglob("*.py")):
        try:
            compile(source.read_bytes(), str(source), "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise InvalidManifestError(
                f"{source.relative_to(plugin_dir.parent)} line {exc.lineno}: SyntaxError: "
                f"{exc.msg}. Fix the code, then reload the plugin."
            ) from None


def check_importable(plugin_dir: Path, manifest: Manifest) -> None:
    """Import the package, call create_plugin() and compare its metadata; then forget it.

    Runs plugin module code (as loading would), so the manager only does this for plugins
    that run in process anyway, on a worker thread with a time limit.
    """
    module = import_plugin_package(plugin_dir, manifest.plugin_id)
    try:
        create_instance(module, manifest)
    finally:
        drop_modules(module.__name__)


def code_fingerprint(plugin_dir: Path) -> str:
    """Changes whenever a source file or the manifest changes (size or mtime)."""
    digest = hashlib.sha256()
    for path in sorted([*plugin_dir.rglob("*.py"), plugin_dir / "plugin.json"]):
        with contextlib.suppress(OSError):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(plugin_dir)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
            )
    return digest.hexdigest()
