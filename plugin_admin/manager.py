"""PluginManager: the one way in. The console, the REST API and Python callers all use it.

It owns the registry of plugin records, the state machine, per-plugin locks, and the wiring of
services (store, audit, runners, marketplace). Only the manager changes a plugin's status.

State machine (ARCHITECTURE.md)::

    INSTALLED --load--> ENABLED --unload--> DISABLED --load--> ENABLED
    any failing step --> ERROR (last_error kept; load again after a fix)
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from loguru import logger

from .audit import SYSTEM_ACTOR, AuditLog
from .base import PluginMetadata, PluginSecurityLevel, PluginStatus
from .dependencies import check_requirements, describe_unmet
from .errors import (
    ConflictError,
    DependencyError,
    HookExecutionError,
    HookTimeoutError,
    InvalidConfigError,
    InvalidInputError,
    InvalidStateError,
    MissingPermissionsError,
    OperationInProgressError,
    PluginError,
    PluginNotFoundError,
    StorageError,
)
from .hooks import check_arguments, check_result, find_hook
from .host_context import HostContext, HostServices
from .ids import check_plugin_id, is_valid_plugin_id
from .loader import check_importable, check_syntax, code_fingerprint
from .mailbox import Mailbox, MemoryMailbox
from .manager_marketplace import MarketplaceOperations
from .manager_permissions import PermissionOperations
from .manifest import Manifest, read_manifest
from .permissions import check_known, describe
from .plugin_logs import PluginLoggingHandler, PluginLogs
from .sandbox import PluginRunner
from .sandbox.inprocess import InlineRunner, ThreadRunner
from .settings import Settings, load_settings
from .store import PluginRow, Store

STARTUP_MARKER = "startup_in_progress"
FAILURE_WINDOW_SECONDS = 600  # "N worker failures in M minutes" of the circuit breaker


@dataclass
class PluginRecord:
    """The manager's in-memory view of one plugin (persisted as a :class:`PluginRow`)."""

    plugin_id: str
    path: Path
    manifest: Manifest | None
    status: PluginStatus
    last_error: str | None = None
    loaded_at: float | None = None
    config: dict[str, Any] | None = None
    security_override: PluginSecurityLevel | None = None
    trusted_approved: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    installed_at: float | None = None
    runner: PluginRunner | None = None
    consecutive_failures: int = 0
    failure_times: list[float] = field(default_factory=list)

    def row(self) -> PluginRow:
        return PluginRow(
            plugin_id=self.plugin_id,
            status=self.status.value,
            version=self.manifest.version if self.manifest else None,
            last_error=self.last_error,
            loaded_at=self.loaded_at,
            config=self.config,
            security_override=self.security_override.value if self.security_override else None,
            trusted_approved=self.trusted_approved,
            provenance=self.provenance or None,
            installed_at=self.installed_at,
        )


class PluginDetails(dict):
    """A plugin's details: a plain JSON-ready dict that also answers the seed's method calls
    (``plugin.get_required_permissions()`` in the troubleshooting guide)."""

    def get_required_permissions(self) -> list[str]:
        return list(self["permissions"]["requested"])

    def get_capabilities(self) -> list[str]:
        return list(self["capabilities"])

    def get_metadata(self) -> PluginMetadata | None:
        meta = self.get("metadata")
        if not meta:
            return None
        fields = {k: v for k, v in meta.items() if k in PluginMetadata.__dataclass_fields__}
        fields["security_level"] = PluginSecurityLevel(fields.get("security_level", "standard"))
        return PluginMetadata(**fields)


class PluginManager(MarketplaceOperations, PermissionOperations):
    """Discovers, loads, runs, configures and permits plugins; see the module docstring."""

    def __init__(
        self,
        plugins_dir: Path | None = None,
        *,
        settings: Settings | None = None,
        mailbox: Mailbox | None = None,
    ) -> None:
        settings = settings or load_settings()
        if plugins_dir is not None:
            settings = settings.model_copy(update={"plugins_dir": Path(plugins_dir)})
        self.settings = settings
        self.mailbox: Mailbox = mailbox or MemoryMailbox()
        self._plugins: dict[str, PluginRecord] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._grants: dict[str, set[str]] = {}
        self._initialized = False
        self._store: Store | None = None
        self._audit: AuditLog | None = None
        self.logs = PluginLogs(self.settings.plugin_data_path)
        self.safe_mode_reason: str | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._loops: set[asyncio.Task[Any]] = set()
        self._log_handler: PluginLoggingHandler | None = None

    # ---------------------------------------------------------------- seed-style attributes
    @property
    def plugins_dir(self) -> Path:
        return self.settings.plugins_dir

    def _set(self, **changes: Any) -> None:
        self.settings = self.settings.model_copy(update=changes)

    security_level = property(
        lambda self: self.settings.plugin_security_level,
        lambda self, v: self._set(plugin_security_level=PluginSecurityLevel(v)),
        doc="The operator's minimum security level (PLUGIN_SECURITY_LEVEL).",
    )
    enable_sandbox = property(
        lambda self: self.settings.plugin_sandbox_enabled,
        lambda self, v: self._set(plugin_sandbox_enabled=bool(v)),
    )
    max_execution_time = property(
        lambda self: self.settings.plugin_max_execution_time,
        lambda self, v: self._set(plugin_max_execution_time=float(v)),
    )
    marketplace_url = property(
        lambda self: self.settings.plugin_marketplace_url,
        lambda self, v: self._set(plugin_marketplace_url=str(v)),
    )
    auto_update_enabled = property(
        lambda self: self.settings.plugin_auto_update,
        lambda self, v: self._set(plugin_auto_update=bool(v)),
    )

    @property
    def store(self) -> Store:
        if self._store is None:
            raise InvalidStateError(
                "The plugin manager is not initialised: call initialize() first."
            )
        return self._store

    @property
    def audit(self) -> AuditLog:
        if self._audit is None:
            raise InvalidStateError(
                "The plugin manager is not initialised: call initialize() first."
            )
        return self._audit

    @property
    def initialized(self) -> bool:
        return self._initialized

    # ---------------------------------------------------------------------- start and stop
    async def initialize(self) -> None:
        """Open the store, discover plugins, and re-enable those enabled before the restart."""
        if self._initialized:
            return
        settings = self.settings
        settings.plugins_dir.mkdir(parents=True, exist_ok=True)
        settings.plugin_data_dir.mkdir(parents=True, exist_ok=True)
        _raise_open_file_limit()
        self._store = Store(settings.database_path)
        self._audit = AuditLog(self._store)
        self._audit.start()
        self._install_log_handler()
        self._services = HostServices(
            has_grant=self.has_grant,
            mailbox=self.mailbox,
            logs=self.logs,
            audit=self._audit,
            data_dir_for=settings.plugin_data_path,
            network_allowlist=settings.plugin_network_allowlist,
        )
        self._grants = self._store.all_grants()
        self._decide_safe_mode()
        self._store.set_meta(STARTUP_MARKER, str(time.time()))
        started = time.perf_counter()
        self._recover_staging()  # marketplace: finish/undo a swap a crash interrupted
        to_enable = self._discover()
        self._initialized = True
        await self._check_code(r for r in self._plugins.values() if r.plugin_id not in to_enable)
        if self.safe_mode_reason is None:
            for plugin_id in to_enable:
                try:
                    await self.load_plugin(plugin_id, actor=SYSTEM_ACTOR, _restoring=True)
                except PluginError as exc:
                    logger.warning("could not re-enable {}: {}", plugin_id, exc.message)
        self._store.set_meta(STARTUP_MARKER, None)
        self.audit.record(
            "manager_started",
            details={
                "plugins": len(self._plugins),
                "enabled": sum(r.status is PluginStatus.ENABLED for r in self._plugins.values()),
                "safe_mode": self.safe_mode_reason,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        logger.info("PluginManager initialized with {} plugins", len(self._plugins))
        self._start_auto_update()  # marketplace: PLUGIN_AUTO_UPDATE background checks

    def _decide_safe_mode(self) -> None:
        if self.settings.plugin_safe_mode:
            self.safe_mode_reason = "PLUGIN_SAFE_MODE is on: plugins are listed but none is loaded."
        elif self.store.get_meta(STARTUP_MARKER) is not None:
            self.safe_mode_reason = (
                "The previous start did not finish (a crash during start-up?): started in safe "
                "mode. Remove or fix the plugin at fault, then restart normally."
            )
        if self.safe_mode_reason:
            logger.warning(self.safe_mode_reason)

    async def shutdown(self) -> None:
        """Stop every running plugin (their status is kept for the next start) and close."""
        if not self._initialized:
            return
        for record in list(self._plugins.values()):
            if record.runner is not None:
                try:
                    await record.runner.stop(self.settings.plugin_timeout_seconds)
                except Exception as exc:
                    logger.warning("{} did not shut down cleanly: {}", record.plugin_id, exc)
                record.runner = None
        # Background work (e.g. stopping a runner the circuit breaker took out) gets to finish,
        # within the lifecycle time limit, so no plugin thread or worker is left behind.
        for task in list(self._loops):
            task.cancel()
        pending = list(self._background)
        if pending:
            _, still_running = await asyncio.wait(
                pending, timeout=self.settings.plugin_timeout_seconds
            )
            for task in still_running:
                task.cancel()
        self.audit.record("manager_stopped")
        await self.audit.stop()
        self.store.close()
        if self._log_handler is not None:
            import logging

            logging.getLogger("plugin_admin_plugins").removeHandler(self._log_handler)
        self._initialized = False

    def _install_log_handler(self) -> None:
        import logging

        self._log_handler = PluginLoggingHandler(self.logs)
        plugin_logger = logging.getLogger("plugin_admin_plugins")
        plugin_logger.addHandler(self._log_handler)
        plugin_logger.setLevel(logging.DEBUG)

    # ----------------------------------------------------------------------------- discovery
    def _discover(self) -> list[str]:
        """Register every plugin folder; return the ids that were enabled before a restart."""
        rows = self.store.all_plugins()
        to_enable = []
        for plugin_dir in sorted(self.plugins_dir.iterdir()):
            if not plugin_dir.is_dir() or not (plugin_dir / "__init__.py").exists():
                continue
            if not is_valid_plugin_id(plugin_dir.name):
                logger.warning("skipping {}: not a valid plugin id", plugin_dir)
                continue
            record = self._register(plugin_dir, rows.get(plugin_dir.name))
            if record.status is PluginStatus.ENABLED:
                record.status = PluginStatus.DISABLED  # not running yet; load_plugin brings it back
                to_enable.append(record.plugin_id)
        return to_enable

    async def _check_code(self, records: Iterable[PluginRecord]) -> None:
        """Find broken code at discovery (syntax errors, create_plugin raising, metadata that
        disagrees with plugin.json) so it is listed as an error before anyone loads it.

        Only code that changed since its last good check is looked at. In-process plugins are
        imported on a worker thread with PLUGIN_TIMEOUT_SECONDS; sandboxed plugins are only
        compiled, never run in the host.
        """
        for record in records:
            if record.manifest is None or record.status is PluginStatus.ERROR:
                continue
            fingerprint = code_fingerprint(record.path)
            key = f"code_ok:{record.plugin_id}"
            if self.store.get_meta(key) == fingerprint:
                continue
            sandboxed = self.effective_security_level(record) is PluginSecurityLevel.SANDBOXED
            check = (
                partial(check_syntax, record.path)
                if sandboxed
                else partial(check_importable, record.path, record.manifest)
            )
            try:
                async with asyncio.timeout(self.settings.plugin_timeout_seconds):
                    await asyncio.to_thread(check)
            except TimeoutError:
                message = (
                    f"Importing {record.plugin_id!r} did not finish within "
                    f"{self.settings.plugin_timeout_seconds:g} s (PLUGIN_TIMEOUT_SECONDS)."
                )
                self._fail(record, "discovery_check", message)
            except Exception as exc:
                message = (
                    exc.message
                    if isinstance(exc, PluginError)
                    else (f"Importing {record.plugin_id!r} failed: {type(exc).__name__}: {exc}")
                )
                self._fail(record, "discovery_check", message)
            else:
                self.store.set_meta(key, fingerprint)

    def _register(self, plugin_dir: Path, row: PluginRow | None) -> PluginRecord:
        """Read one plugin folder into a record; a broken plugin is recorded with its reason."""
        plugin_id = plugin_dir.name
        manifest: Manifest | None = None
        error: str | None = None
        try:
            manifest = read_manifest(plugin_dir, expected_id=plugin_id)
            check_known(plugin_id, manifest.permissions)
        except PluginError as exc:
            error = exc.message
        except Exception as exc:  # a plugin folder can hold anything
            error = f"{type(exc).__name__}: {exc}"
        new = row is None or row.status == "uninstalled"
        record = PluginRecord(
            plugin_id=plugin_id,
            path=plugin_dir,
            manifest=manifest,
            status=PluginStatus.INSTALLED if new else PluginStatus(row.status),
            last_error=None if new else row.last_error,
            config=None if row is None else row.config,
            security_override=(
                PluginSecurityLevel(row.security_override)
                if row and row.security_override
                else None
            ),
            trusted_approved=bool(row and row.trusted_approved),
            provenance=(row.provenance if row and row.provenance else {"source": "plugins_dir"}),
            installed_at=(row.installed_at if row and row.installed_at else time.time()),
        )
        if error is not None:
            record.status, record.last_error = PluginStatus.ERROR, error
            logger.error("plugin {} is broken: {}", plugin_id, error)
        elif record.status is PluginStatus.ERROR and row is not None:
            record.status = PluginStatus.INSTALLED  # was broken, now readable: loadable again
            record.last_error = None
        self._plugins[plugin_id] = record
        if new:
            if manifest is not None and error is None and self.settings.plugin_grant_on_install:
                self._grant_all(record, manifest.permissions, SYSTEM_ACTOR)
            self.audit.record(
                "installed" if error is None else "install_error",
                plugin_id=plugin_id,
                outcome="success" if error is None else "error",
                details={"source": record.provenance.get("source"), "error": error},
            )
        self._persist(record)
        return record

    async def rescan(self, actor: str = SYSTEM_ACTOR) -> list[str]:
        """Pick up plugin folders added (or removed) since start; returns the new ids."""
        self._require_initialized()
        rows = self.store.all_plugins()
        present = set()
        added = []
        for plugin_dir in sorted(self.plugins_dir.iterdir()):
            if not (plugin_dir / "__init__.py").exists() or not is_valid_plugin_id(plugin_dir.name):
                continue
            present.add(plugin_dir.name)
            if plugin_dir.name not in self._plugins:
                self._register(plugin_dir, rows.get(plugin_dir.name))
                added.append(plugin_dir.name)
        for plugin_id in set(self._plugins) - present:
            record = self._plugins[plugin_id]
            if record.runner is None:
                del self._plugins[plugin_id]
        if added:
            self.audit.record("rescan", actor=actor, details={"added": added})
        return added

    # ------------------------------------------------------------------------------ queries
    async def list_plugins(
        self,
        status: PluginStatus | str | None = None,
        security_level: PluginSecurityLevel | str | None = None,
        include_metadata: bool = True,
    ) -> list[dict[str, Any]]:
        """Every known plugin, ordered by id; optionally filtered by status / security level."""
        self._require_initialized()
        wanted_status = PluginStatus(status) if status else None
        wanted_level = PluginSecurityLevel(security_level) if security_level else None
        result = []
        for plugin_id in sorted(self._plugins):
            record = self._plugins[plugin_id]
            if wanted_status and record.status is not wanted_status:
                continue
            level = self.effective_security_level(record)
            if wanted_level and level is not wanted_level:
                continue
            result.append(self._summary(record, include_metadata))
        return result

    async def get_plugin(self, plugin_id: str) -> PluginDetails:
        """Everything about one plugin (a dict that also answers the seed's method calls)."""
        record = self._record(plugin_id)
        manifest = record.manifest
        requested = manifest.permissions if manifest else []
        granted = sorted(self._grants.get(plugin_id, set()))
        details = PluginDetails(self._summary(record, include_metadata=True))
        details.update(
            {
                "config": self.current_config(record) if manifest else None,
                "config_schema": manifest.config_schema if manifest else None,
                "default_config": manifest.complete_config({}) if manifest else None,
                "hooks": sorted(manifest.hooks) if manifest else [],
                "hook_specs": [s.to_dict() for s in manifest.hooks.values()] if manifest else [],
                "permissions": {
                    "requested": requested,
                    "granted": granted,
                    "missing": [p for p in requested if p not in granted],
                    "catalogue": describe(requested),
                },
                "security": self.security_explanation(record),
                "dependencies": manifest.dependencies if manifest else [],
                "path": str(record.path),
                "data_dir": str(self.settings.plugin_data_path(plugin_id)),
                "provenance": record.provenance,
                "installed_at": record.installed_at,
                "manifest": manifest.raw if manifest else None,
            }
        )
        return details

    def _summary(self, record: PluginRecord, include_metadata: bool) -> dict[str, Any]:
        manifest = record.manifest
        raw = manifest.raw if manifest else {}
        summary: dict[str, Any] = {
            "id": record.plugin_id,
            "plugin_id": record.plugin_id,
            "name": raw.get("name", record.plugin_id),
            "version": raw.get("version"),
            "author": raw.get("author"),
            "description": raw.get("description"),
            "status": record.status.value,
            "security_level": self.effective_security_level(record).value,
            "declared_security_level": raw.get("security_level", "standard"),
            "isolation": getattr(record.runner, "isolation", None),
            "loaded": record.runner is not None,
            "loaded_at": record.loaded_at,
            "capabilities": self._capabilities(record),
            "category": raw.get("category"),
            "tags": list(raw.get("tags", [])),
            "last_error": record.last_error,
            "health": self._health(record),
        }
        if include_metadata and manifest is not None:
            summary["metadata"] = manifest.metadata().to_dict()
        return summary

    def _health(self, record: PluginRecord) -> str:
        if record.status is PluginStatus.ERROR:
            return "error"
        if record.consecutive_failures:
            return f"degraded ({record.consecutive_failures} failed calls in a row)"
        return "ok" if record.status is PluginStatus.ENABLED else "idle"

    def _capabilities(self, record: PluginRecord) -> list[str]:
        if record.runner is not None and record.runner.capabilities:
            return list(record.runner.capabilities)
        return record.manifest.capabilities if record.manifest else []

    def current_config(self, record_or_id: PluginRecord | str) -> dict[str, Any]:
        record = self._record(record_or_id) if isinstance(record_or_id, str) else record_or_id
        if record.manifest is None:
            return dict(record.config or {})
        return record.manifest.complete_config(record.config)

    # ----------------------------------------------------------------------------- lifecycle
    async def load_plugin(
        self,
        plugin_id: str,
        config: dict[str, Any] | None = None,
        *,
        actor: str = SYSTEM_ACTOR,
        _restoring: bool = False,
    ) -> dict[str, Any]:
        """Import, initialise and enable a plugin (INSTALLED/DISABLED/ERROR → ENABLED)."""
        record = self._record(plugin_id)
        async with self._lock(plugin_id):
            record = self._record(plugin_id)
            if record.status is PluginStatus.ENABLED:
                raise InvalidStateError(
                    f"Plugin {plugin_id!r} is already enabled; unload it first or use reload.",
                    plugin_id=plugin_id,
                )
            try:
                manifest = self._manifest_of(record)
                complete = self._validated_config(record, manifest, config)
                self._check_loadable(record, manifest)
                runner = self._make_runner(record, manifest)
                await runner.start(complete)
            except ConflictError as exc:
                self.audit.record(
                    "load",
                    plugin_id=plugin_id,
                    actor=actor,
                    outcome="refused",
                    details={"error": exc.message},
                )
                raise
            except InvalidConfigError:
                raise
            except PluginError as exc:
                self._fail(record, "load", exc.message, actor)
                raise
            except Exception as exc:
                message = f"Loading {plugin_id!r} failed: {type(exc).__name__}: {exc}"
                self._fail(record, "load", message, actor)
                raise HookExecutionError(message, plugin_id=plugin_id) from exc
            record.runner = runner
            record.status = PluginStatus.ENABLED
            record.last_error = None
            record.loaded_at = time.time()
            record.consecutive_failures = 0
            record.failure_times.clear()
            if config is not None:
                record.config = complete
            try:
                self._persist(record)
            except StorageError:
                await self._stop_runner(record)
                record.status, record.loaded_at = PluginStatus.DISABLED, None
                raise
            self.audit.record(
                "load",
                plugin_id=plugin_id,
                actor=actor,
                details={"isolation": runner.isolation, "restored": _restoring}
                if _restoring
                else {"isolation": runner.isolation},
            )
            return {
                "plugin_id": plugin_id,
                "status": "loaded",
                "capabilities": list(runner.capabilities),
                "security_level": self.effective_security_level(record).value,
            }

    async def unload_plugin(self, plugin_id: str, *, actor: str = SYSTEM_ACTOR) -> dict[str, Any]:
        """Shut a running plugin down and drop its modules (ENABLED → DISABLED)."""
        self._record(plugin_id)
        async with self._lock(plugin_id):
            record = self._record(plugin_id)
            if record.status is not PluginStatus.ENABLED:
                raise InvalidStateError(
                    f"Plugin {plugin_id!r} is {record.status.value}, not enabled: nothing to unload.",
                    plugin_id=plugin_id,
                )
            await self._stop_runner(record)
            record.status = PluginStatus.DISABLED
            record.loaded_at = None
            self._persist(record)
            self.audit.record("unload", plugin_id=plugin_id, actor=actor)
            return {"plugin_id": plugin_id, "status": "unloaded"}

    async def reload_plugin(self, plugin_id: str, *, actor: str = SYSTEM_ACTOR) -> dict[str, Any]:
        """Re-read the plugin's folder (manifest and code) and load it again."""
        self._record(plugin_id)
        async with self._lock(plugin_id):
            record = self._record(plugin_id)
            if record.runner is not None:
                await self._stop_runner(record)
            was = record.status
            self._refresh_manifest(record)
            if record.status is not PluginStatus.ERROR:
                record.status = PluginStatus.DISABLED if was is PluginStatus.ENABLED else was
                if record.status is PluginStatus.ERROR:
                    record.status = PluginStatus.INSTALLED
            self._persist(record)
            self.audit.record("reload", plugin_id=plugin_id, actor=actor)
            if record.status is PluginStatus.ERROR and record.manifest is None:
                raise HookExecutionError(record.last_error or "reload failed", plugin_id=plugin_id)
        return await self.load_plugin(plugin_id, actor=actor)

    async def update_plugin_config(
        self, plugin_id: str, config: dict[str, Any], *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Validate and store a new config; a running plugin is re-initialised with it.

        An invalid config, or one the running plugin refuses, changes nothing: the previous
        config stays in force and on disk.
        """
        self._record(plugin_id)
        async with self._lock(plugin_id):
            record = self._record(plugin_id)
            manifest = self._manifest_of(record)
            old = self.current_config(record)
            complete = self._validated_config(record, manifest, config, replace=True)
            if record.runner is not None:
                try:
                    await record.runner.reconfigure(complete)
                except PluginError as exc:
                    await self._restore_config(record, old)
                    self.audit.record(
                        "config_update",
                        plugin_id=plugin_id,
                        actor=actor,
                        outcome="refused",
                        details={"error": exc.message},
                    )
                    raise InvalidConfigError(
                        f"Plugin {plugin_id!r} refused the new configuration ({exc.message}); "
                        "the previous configuration is still in force.",
                        plugin_id=plugin_id,
                    ) from exc
            previous = record.config
            record.config = complete
            try:
                self._persist(record)
            except StorageError:
                record.config = previous
                if record.runner is not None:
                    await self._restore_config(record, old)
                raise
            changed = sorted(k for k in set(old) | set(complete) if old.get(k) != complete.get(k))
            self.audit.record(
                "config_update", plugin_id=plugin_id, actor=actor, details={"changed": changed}
            )
            return {"plugin_id": plugin_id, "status": "configuration_updated", "config": complete}

    async def reset_plugin_config(
        self, plugin_id: str, *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Back to the plugin's defaults (config/default.json and schema defaults)."""
        return await self.update_plugin_config(plugin_id, {}, actor=actor)

    def validate_config(self, plugin_id: str, config: Any) -> dict[str, Any]:
        """Check a config without saving it: ``{"valid", "errors", "config"}``."""
        record = self._record(plugin_id)
        manifest = self._manifest_of(record)
        if not isinstance(config, dict):
            return {
                "valid": False,
                "errors": [{"path": "$", "message": "the configuration must be a JSON object"}],
                "config": None,
            }
        complete = manifest.complete_config(config) if config else manifest.complete_config({})
        errors = manifest.config_errors(complete)
        return {"valid": not errors, "errors": errors, "config": complete}

    async def _restore_config(self, record: PluginRecord, old: dict[str, Any]) -> None:
        try:
            assert record.runner is not None
            await record.runner.reconfigure(old)
        except Exception as exc:
            self._fail(record, "config_restore", f"could not restore the previous config: {exc}")
            await self._stop_runner(record)

    async def validate_plugin_dependencies(self, plugin_id: str) -> dict[str, Any]:
        """Report each pip requirement of the manifest: installed version and whether it fits."""
        record = self._record(plugin_id)
        manifest = self._manifest_of(record)
        report = check_requirements(manifest.dependencies)
        return {
            "plugin_id": plugin_id,
            "satisfied": all(item["ok"] for item in report),
            "requirements": report,
        }

    # --------------------------------------------------------------------------------- hooks
    async def execute_plugin_hook(
        self, plugin_id: str, hook_name: str, /, *args: Any, **kwargs: Any
    ) -> Any:
        """Run one hook of one enabled plugin and return its result (seed API)."""
        if args:
            raise InvalidInputError(
                "Hook arguments must be passed by name (execute_plugin_hook(id, hook, key=value))."
            )
        return (await self.run_hook(plugin_id, hook_name, kwargs))["result"]

    async def run_hook(
        self,
        plugin_id: str,
        hook_name: str,
        arguments: dict[str, Any] | None = None,
        *,
        actor: str = SYSTEM_ACTOR,
    ) -> dict[str, Any]:
        """Run a hook and time it: ``{"hook_name", "result", "execution_time_ms"}``."""
        record = self._plugins.get(plugin_id)
        if record is None:
            record = self._record(plugin_id)  # raises the right error
        runner = record.runner
        if runner is None or record.status is not PluginStatus.ENABLED:
            raise InvalidStateError(
                f"Plugin {plugin_id!r} is {record.status.value}, not enabled: load it first.",
                plugin_id=plugin_id,
            )
        kwargs = arguments or {}
        spec = find_hook(record.manifest, plugin_id, hook_name)  # type: ignore[arg-type]
        check_arguments(spec, plugin_id, kwargs)
        started = time.perf_counter()
        try:
            result = await runner.call(hook_name, kwargs, self.settings.plugin_max_execution_time)
            result = check_result(
                plugin_id, hook_name, result, self.settings.plugin_max_result_kb * 1024
            )
        except (HookTimeoutError, HookExecutionError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            outcome = "timeout" if isinstance(exc, HookTimeoutError) else "error"
            self.audit.record_hook_call(plugin_id, hook_name, outcome, elapsed, actor)
            self._count_failure(record, exc)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        if record.consecutive_failures:
            record.consecutive_failures = 0
        self.audit.record_hook_call(plugin_id, hook_name, "success", elapsed, actor)
        return {"hook_name": hook_name, "result": result, "execution_time_ms": round(elapsed, 3)}

    async def call_hook(self, hook_name: str, /, **kwargs: Any) -> list[dict[str, Any]]:
        """Broadcast: run ``hook_name`` on every enabled plugin that declares it.

        Order is stable (manifest ``priority``, then id). Plugins run concurrently; one
        plugin's exception or timeout is reported beside the others' results, never raised.
        """
        return await self.broadcast_hook(hook_name, kwargs)

    async def broadcast_hook(
        self, hook_name: str, arguments: dict[str, Any], *, actor: str = SYSTEM_ACTOR
    ) -> list[dict[str, Any]]:
        targets = sorted(
            (
                r
                for r in self._plugins.values()
                if r.status is PluginStatus.ENABLED and r.manifest and hook_name in r.manifest.hooks
            ),
            key=lambda r: (r.manifest.priority, r.plugin_id),  # type: ignore[union-attr]
        )
        outcomes = await asyncio.gather(
            *(self.run_hook(r.plugin_id, hook_name, arguments, actor=actor) for r in targets),
            return_exceptions=True,
        )
        results = []
        for record, outcome in zip(targets, outcomes, strict=True):
            if isinstance(outcome, PluginError):
                results.append(
                    {
                        "plugin_id": record.plugin_id,
                        "ok": False,
                        "error": outcome.message,
                        "error_type": type(outcome).__name__,
                    }
                )
            elif isinstance(outcome, BaseException):
                results.append(
                    {
                        "plugin_id": record.plugin_id,
                        "ok": False,
                        "error": f"{type(outcome).__name__}: {outcome}",
                        "error_type": type(outcome).__name__,
                    }
                )
            else:
                results.append({"plugin_id": record.plugin_id, "ok": True, **outcome})
        return results

    def _count_failure(self, record: PluginRecord, exc: PluginError) -> None:
        """Circuit breaker: N failed calls in a row disable the plugin until an admin acts.

        Sandbox worker failures (timeouts, crashes, bad frames: each costs a restart) also
        count in a sliding window, so N of them within FAILURE_WINDOW_SECONDS disable the
        plugin even when successful calls come in between.
        """
        record.consecutive_failures += 1
        threshold = self.settings.plugin_failure_threshold
        if getattr(exc, "worker_failure", False):
            now = time.monotonic()
            record.failure_times[:] = [
                t for t in record.failure_times if now - t < FAILURE_WINDOW_SECONDS
            ] + [now]
        if record.consecutive_failures >= threshold:
            reason = (
                f"Disabled automatically after {record.consecutive_failures} failed hook calls "
                f"in a row (PLUGIN_FAILURE_THRESHOLD); last: {exc.message} Load it again once "
                "fixed."
            )
        elif len(record.failure_times) >= threshold:
            reason = (
                f"Disabled automatically: its sandbox worker failed {len(record.failure_times)} "
                f"times within {FAILURE_WINDOW_SECONDS // 60} minutes (PLUGIN_FAILURE_THRESHOLD); "
                f"last: {exc.message} Load it again once fixed."
            )
        else:
            return
        record.status = PluginStatus.ERROR
        record.last_error = reason
        self._persist(record)
        self.audit.record(
            "circuit_open", plugin_id=record.plugin_id, outcome="error", details={"reason": reason}
        )
        runner, record.runner = record.runner, None
        if runner is not None:
            self._spawn(runner.stop(self.settings.plugin_timeout_seconds))

    async def console_call(
        self,
        plugin_id: str,
        hook_name: str,
        arguments: dict[str, Any] | None = None,
        *,
        actor: str = SYSTEM_ACTOR,
    ) -> dict[str, Any]:
        """The hook console's call: never raises for a plugin failure, and returns what the
        plugin logged during the call, plus the traceback for in-process plugins."""
        mark = self.logs.mark()
        outcome: dict[str, Any] = {"plugin_id": plugin_id, "hook_name": hook_name, "ok": True}
        try:
            outcome.update(await self.run_hook(plugin_id, hook_name, arguments, actor=actor))
        except PluginError as exc:
            outcome.update(
                ok=False,
                error=exc.message,
                error_type=type(exc).__name__,
                traceback=getattr(exc, "traceback", None),
                errors=getattr(exc, "errors", None),
            )
        outcome["logs"] = self.logs.since(plugin_id, mark)
        return outcome

    # -------------------------------------------------------------- hook console test cases
    async def save_test_case(
        self,
        plugin_id: str,
        name: str,
        hook_name: str,
        arguments: dict[str, Any],
        expected: Any,
        *,
        actor: str = SYSTEM_ACTOR,
    ) -> dict[str, Any]:
        """Store a named hook call and its expected result, to re-run later."""
        record = self._record(plugin_id)
        name = str(name).strip()
        if not name or len(name) > 100:
            raise InvalidInputError("A test case needs a name of 1-100 characters.")
        if not isinstance(arguments, dict):
            raise InvalidInputError("Test case arguments must be a JSON object.")
        find_hook(self._manifest_of(record), plugin_id, hook_name)
        self.store.save_test_case(plugin_id, name, hook_name, arguments, expected)
        self.audit.record(
            "test_case_saved",
            plugin_id=plugin_id,
            actor=actor,
            details={"name": name, "hook": hook_name},
        )
        return {"plugin_id": plugin_id, "name": name, "hook_name": hook_name}

    async def list_test_cases(self, plugin_id: str) -> list[dict[str, Any]]:
        self._record(plugin_id)
        return self.store.test_cases(plugin_id)

    async def delete_test_case(
        self, plugin_id: str, name: str, *, actor: str = SYSTEM_ACTOR
    ) -> None:
        self._record(plugin_id)
        self.store.delete_test_case(plugin_id, name)
        self.audit.record(
            "test_case_deleted", plugin_id=plugin_id, actor=actor, details={"name": name}
        )

    async def run_test_cases(
        self, plugin_id: str, *, actor: str = SYSTEM_ACTOR
    ) -> list[dict[str, Any]]:
        """Re-run every saved case of a plugin; each passes when the result equals the stored one."""
        results = []
        for case in await self.list_test_cases(plugin_id):
            call = await self.console_call(
                plugin_id, case["hook_name"], case["arguments"], actor=actor
            )
            passed = call["ok"] and call.get("result") == case["expected"]
            results.append(
                {
                    "name": case["name"],
                    "hook_name": case["hook_name"],
                    "passed": passed,
                    "expected": case["expected"],
                    "result": call.get("result"),
                    "error": call.get("error"),
                    "execution_time_ms": call.get("execution_time_ms"),
                }
            )
        return results

    def plugin_log_tail(self, plugin_id: str, lines: int = 100) -> list[str]:
        self._record(plugin_id)
        return self.logs.tail(plugin_id, lines)

    def audit_log(self, **filters: Any) -> list[dict[str, Any]]:
        """Audit events, newest first; filters: plugin_id, action, actor, outcome, since, until, limit."""
        return self.audit.query(**filters)

    # -------------------------------------------------------------------- backup / restore
    async def export_state(self) -> dict[str, Any]:
        """The whole plugin state as one JSON snapshot (see :mod:`plugin_admin.backup`)."""
        from .backup import export_state

        self._require_initialized()
        return await export_state(self)

    async def restore_state(self, snapshot: Any, *, actor: str = SYSTEM_ACTOR) -> dict[str, Any]:
        """Bring this instance to a snapshot's state; reports what changed and what could not."""
        from .backup import restore_state

        self._require_initialized()
        return await restore_state(self, snapshot, actor=actor)

    # ------------------------------------------------------------------------------- helpers
    def _record(self, plugin_id: str) -> PluginRecord:
        check_plugin_id(plugin_id)
        self._require_initialized()
        record = self._plugins.get(plugin_id)
        if record is None:
            raise PluginNotFoundError(
                f"No installed plugin {plugin_id!r}. Installed: "
                f"{', '.join(sorted(self._plugins)) or 'none'}.",
                plugin_id=plugin_id,
            )
        return record

    def _require_initialized(self) -> None:
        if not self._initialized:
            raise InvalidStateError(
                "The plugin manager is not initialised: call initialize() first."
            )

    def _lock(self, plugin_id: str) -> asyncio.Lock:
        lock = self._locks.get(plugin_id)
        if lock is None:
            lock = self._locks[plugin_id] = asyncio.Lock()
        return lock

    def exclusive(self, plugin_id: str, operation: str) -> asyncio.Lock:
        """The plugin's lock for an operation that must not queue (install, update...)."""
        lock = self._lock(plugin_id)
        if lock.locked():
            raise OperationInProgressError(
                f"Another operation on {plugin_id!r} is in progress; try {operation} again "
                "when it has finished.",
                plugin_id=plugin_id,
            )
        return lock

    def _manifest_of(self, record: PluginRecord) -> Manifest:
        if record.manifest is None:
            raise InvalidStateError(
                f"Plugin {record.plugin_id!r} cannot be used: {record.last_error} Fix its folder, "
                "then reload it.",
                plugin_id=record.plugin_id,
            )
        return record.manifest

    def _refresh_manifest(self, record: PluginRecord) -> None:
        try:
            record.manifest = read_manifest(record.path, expected_id=record.plugin_id)
            check_known(record.plugin_id, record.manifest.permissions)
        except PluginError as exc:
            record.manifest = None
            record.status = PluginStatus.ERROR
            record.last_error = exc.message

    def _validated_config(
        self,
        record: PluginRecord,
        manifest: Manifest,
        config: dict[str, Any] | None,
        *,
        replace: bool = False,
    ) -> dict[str, Any]:
        if config is None:
            complete = self.current_config(record)
        elif not isinstance(config, dict):
            raise InvalidConfigError(
                f"The configuration of {record.plugin_id!r} must be a JSON object, "
                f"not {type(config).__name__}.",
                plugin_id=record.plugin_id,
                errors=[{"path": "$", "message": "must be a JSON object"}],
            )
        else:
            complete = manifest.complete_config(config)
        errors = manifest.config_errors(complete)
        if errors:
            listing = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
            raise InvalidConfigError(
                f"Invalid configuration for {record.plugin_id!r}: {listing}. The previous "
                "configuration is unchanged.",
                plugin_id=record.plugin_id,
                errors=errors,
            )
        return complete

    def _check_loadable(self, record: PluginRecord, manifest: Manifest) -> None:
        check_known(record.plugin_id, manifest.permissions)  # never load unknown permissions
        missing = [p for p in manifest.permissions if not self.has_grant(record.plugin_id, p)]
        if missing:
            raise MissingPermissionsError(
                f"Plugin {record.plugin_id!r} cannot be enabled: permission(s) "
                f"{', '.join(missing)} not granted. Grant them in the Permissions tab, with "
                f"PUT /api/plugins/{record.plugin_id}/permissions, or "
                f"grant_permission({record.plugin_id!r}, <permission>).",
                plugin_id=record.plugin_id,
                missing=missing,
            )
        report = check_requirements(manifest.dependencies)
        if not all(item["ok"] for item in report):
            raise DependencyError(
                describe_unmet(record.plugin_id, report), plugin_id=record.plugin_id
            )

    def _make_runner(self, record: PluginRecord, manifest: Manifest) -> PluginRunner:
        level = self.effective_security_level(record)
        context = HostContext(record.plugin_id, self._services)
        args = (
            record.plugin_id,
            record.path,
            manifest,
            context,
            self.settings.plugin_timeout_seconds,
        )
        if level is PluginSecurityLevel.TRUSTED:
            return InlineRunner(*args)
        if level is PluginSecurityLevel.STANDARD:
            return ThreadRunner(*args)
        return self._make_worker_runner(record, manifest, context)

    def _make_worker_runner(
        self, record: PluginRecord, manifest: Manifest, context: HostContext
    ) -> PluginRunner:
        if not self.settings.plugin_sandbox_enabled:
            raise InvalidStateError(
                f"Plugin {record.plugin_id!r} must run sandboxed, but PLUGIN_SANDBOX_ENABLED is "
                "false; enable the sandbox to load it.",
                plugin_id=record.plugin_id,
            )
        from .sandbox.worker import WorkerRunner

        return WorkerRunner(
            record.plugin_id,
            record.path,
            manifest,
            context,
            self.settings,
        )

    async def _stop_runner(self, record: PluginRecord) -> None:
        runner, record.runner = record.runner, None
        if runner is None:
            return
        try:
            await runner.stop(self.settings.plugin_timeout_seconds)
        except Exception as exc:
            logger.warning("plugin {} did not shut down cleanly: {}", record.plugin_id, exc)
            self.audit.record(
                "shutdown", plugin_id=record.plugin_id, outcome="error", details={"error": str(exc)}
            )

    def _fail(
        self, record: PluginRecord, action: str, message: str, actor: str = SYSTEM_ACTOR
    ) -> None:
        record.status = PluginStatus.ERROR
        record.last_error = message
        self._persist(record)
        self.audit.record(
            action,
            plugin_id=record.plugin_id,
            actor=actor,
            outcome="error",
            details={"error": message},
        )

    def _persist(self, record: PluginRecord) -> None:
        self.store.upsert_plugin(record.row())

    def _spawn(self, coroutine: Any, *, forever: bool = False) -> None:
        """Run in the background; ``forever`` tasks (loops) are cancelled at shutdown, the
        others are awaited there."""
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks = self._loops if forever else self._background
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def plugin_ids(self) -> list[str]:
        return sorted(self._plugins)


def _raise_open_file_limit() -> None:
    """Each in-process plugin holds an event loop (3 fds): lift the soft limit toward the hard."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < min(target, 65536):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(target, 65536), hard))
        except (ValueError, OSError):
            pass
