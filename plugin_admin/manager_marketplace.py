"""Marketplace operations of :class:`~plugin_admin.manager.PluginManager` (a mixin).

Browse, install, update, roll back and uninstall. The filesystem work lives in
``marketplace/installer.py``; these methods hold the plugin's lock and keep the manager's
records in step, so the manager stays the only thing that changes a plugin's status. They
live apart from ``manager.py`` so the lifecycle core reads on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from loguru import logger
from packaging.version import InvalidVersion, Version

from .audit import SYSTEM_ACTOR
from .base import PluginSecurityLevel, PluginStatus
from .dependencies import check_requirements
from .errors import (
    HookExecutionError,
    InvalidConfigError,
    InvalidStateError,
    MarketplaceError,
    NotFoundError,
    OperationInProgressError,
    PackageError,
    PluginError,
    StorageError,
    VersionNotFoundError,
)
from .ids import check_plugin_id
from .manifest import Manifest, read_manifest
from .marketplace import installer
from .marketplace.client import IndexSnapshot, MarketplaceClient, Progress
from .marketplace.index import IndexEntry, VersionEntry
from .marketplace.installer import Stage
from .marketplace.packages import ExtractLimits, sha256_hex
from .marketplace.search import detached, search_entries
from .store import PluginRow

if TYPE_CHECKING:
    from .manager import PluginRecord


class MarketplaceOperations:
    """Mixed into PluginManager; relies on its records, locks, store, audit and settings."""

    marketplace_transport: Any = None  # an httpx transport for tests (httpx.MockTransport)

    def _marketplace(self) -> MarketplaceClient:
        s = self.settings
        key = (
            s.plugin_marketplace_url,
            s.plugin_require_signed_index,
            str(s.plugin_trusted_keys_dir),
            s.plugin_marketplace_timeout,
            s.plugin_marketplace_cache_ttl,
            s.plugin_max_file_size_mb,
            id(self.marketplace_transport),
        )
        client: MarketplaceClient | None = getattr(self, "_market_client", None)
        if client is None or getattr(self, "_market_key", None) != key:
            client = MarketplaceClient(
                s.plugin_marketplace_url,
                cache_path=s.marketplace_cache_path,
                ttl=s.plugin_marketplace_cache_ttl,
                timeout=s.plugin_marketplace_timeout,
                trusted_keys_dir=s.plugin_trusted_keys_dir,
                require_signed=s.plugin_require_signed_index,
                max_download_bytes=s.plugin_max_file_size_mb * 1024 * 1024,
                transport=self.marketplace_transport,
            )
            self._market_client, self._market_key = client, key
        return client

    def _annotate(self, entry: dict[str, Any]) -> dict[str, Any]:
        record = self._plugins.get(entry["plugin_id"])
        installed = record.manifest.version if record and record.manifest else None
        newer = installed is not None and _newer(entry["version"], installed)
        return {**entry, "installed_version": installed, "update_available": newer}

    async def search_marketplace(
        self,
        query: str | None = None,
        category: str | None = None,
        tags: list[str] | str | None = None,
        security_level: str | None = None,
        installed: str | None = None,
        sort: str = "name",
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Marketplace entries matching the filters, each with its installed state.

        Served from the cache when the marketplace is down (see :meth:`marketplace_info`).
        """
        snapshot = await self._marketplace().index()
        entries: Any = snapshot.entry_dicts().values()
        # Annotating copies each entry: do it before the search only when the installed
        # filter needs it, else just for the page returned (bench case 5: 10,000 copies
        # were ~70% of a filtered search).
        if installed is not None:
            entries = [self._annotate(e) for e in entries]
        found = search_entries(
            entries,
            query=query,
            category=category,
            tags=tags,
            security_level=security_level,
            installed=installed,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        return found if installed is not None else [self._annotate(e) for e in found]

    async def marketplace_info(self) -> dict[str, Any]:
        """Where the index comes from, how old it is, whether it is signed; never raises."""
        client = self._marketplace()
        try:
            snapshot = await client.index()
        except MarketplaceError as exc:
            return {
                "source": client.base,
                "reachable": False,
                "cached_at": None,
                "age_seconds": None,
                "stale": True,
                "signed": None,
                "error": exc.message,
                "count": 0,
                "invalid_entries": [],
            }
        age = snapshot.age()
        return {
            "source": client.base,
            "reachable": snapshot.reachable,
            "cached_at": snapshot.fetched_at,
            "age_seconds": round(age, 1),
            "stale": snapshot.error is not None or age >= client.ttl,
            "signed": snapshot.signed,
            "signer": snapshot.signer,
            "error": snapshot.error,
            "count": len(snapshot.index.entries),
            "invalid_entries": list(snapshot.index.errors),
        }

    async def get_marketplace_plugin(self, plugin_id: str) -> dict[str, Any]:
        """One marketplace entry (with every version and its changelog)."""
        _, snapshot, _ = await self._market_lookup(plugin_id)
        return detached(self._annotate(snapshot.entry_dicts()[plugin_id]))

    @contextlib.asynccontextmanager
    async def _exclusive_change(self, plugin_id: str, operation: str) -> AsyncIterator[None]:
        """This plugin's lock (refused, not queued, when busy) plus a lock across processes."""
        async with self.exclusive(plugin_id, operation):
            lock_dir = self.settings.plugin_data_dir / "locks"
            with installer.process_lock(lock_dir, plugin_id, operation):
                yield

    async def _market_lookup(self, plugin_id: str) -> tuple[MarketplaceClient, Any, IndexEntry]:
        check_plugin_id(plugin_id)
        client = self._marketplace()
        snapshot = await client.index()
        entry = snapshot.index.entries.get(plugin_id)
        if entry is None and plugin_id in snapshot.index.invalid:
            raise PackageError(
                f"The marketplace lists {plugin_id!r} but its entry is invalid "
                f"({snapshot.index.invalid[plugin_id]}); it cannot be installed until the "
                "publisher fixes the index (every package needs a sha256 checksum).",
                plugin_id=plugin_id,
            )
        if entry is None:
            raise NotFoundError(
                f"No plugin {plugin_id!r} in the marketplace at {client.base}; search the "
                "marketplace for the available ids.",
                plugin_id=plugin_id,
            )
        return client, snapshot, entry

    async def test_marketplace_connection(self) -> dict[str, Any]:
        """Fetch the index now, bypassing the cache: {"ok", "error", "count", ...}."""
        return await self._marketplace().check_connection()

    async def clear_marketplace_cache(self) -> dict[str, Any]:
        client = self._marketplace()
        cleared = client.clear_cache()
        return {"cleared": cleared, "path": str(client.cache_path)}

    async def install_plugin(
        self,
        plugin_id: str,
        version: str | None = None,
        *,
        actor: str = SYSTEM_ACTOR,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Download, verify, validate and atomically install a marketplace plugin.

        Installing a plugin that is already installed at another version is an update.
        """
        check_plugin_id(plugin_id)
        self._require_initialized()
        if plugin_id in self._plugins:
            return await self._install_existing(plugin_id, version, actor)
        async with self._exclusive_change(plugin_id, "install"):
            client, snapshot, entry = await self._market_lookup(plugin_id)
            chosen = entry.resolve(version)
            data = await client.download(chosen.download_url, chosen.checksum, progress)
            provenance = _marketplace_provenance(client, snapshot, chosen, actor)
            return await self._install_new(
                data, plugin_id, chosen.version, provenance, actor, progress
            )

    async def _install_existing(
        self, plugin_id: str, version: str | None, actor: str
    ) -> dict[str, Any]:
        record = self._record(plugin_id)
        installed = record.manifest.version if record.manifest else None
        if version is None:
            _, _, entry = await self._market_lookup(plugin_id)
            version = entry.version
        if installed is not None and _same(version, installed):
            return {
                "plugin_id": plugin_id,
                "status": "installed",
                "version": installed,
                "capabilities": self._capabilities(record),
                "already_installed": True,
            }
        return await self.update_plugin(plugin_id, version, actor=actor)

    async def install_from_zip(
        self, data: bytes, *, filename: str = "upload.zip", actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Install (or update to) an uploaded package, with the same checks as the marketplace."""
        self._require_initialized()
        limit = self.settings.plugin_max_file_size_mb * 1024 * 1024
        if len(data) > limit:
            raise PackageError(
                f"{filename} is {len(data)} bytes, over the {limit} byte limit "
                "(PLUGIN_MAX_FILE_SIZE_MB)."
            )
        provenance = {
            "via": "upload",
            "source": f"upload:{filename}",
            "checksum": sha256_hex(data),
            "checksum_verified": False,
            "uploaded_by": actor,
            "note": f"uploaded by {actor}",
            "installed_by": actor,
        }
        stage, manifest, capabilities = await self._prepare(data, None, None, None)
        plugin_id = manifest.plugin_id
        try:
            async with self._exclusive_change(plugin_id, "install"):
                if plugin_id not in self._plugins:
                    return await self._activate_new(
                        stage, manifest, capabilities, provenance, actor
                    )
                record = self._plugins[plugin_id]
                plan = await self._swap_in(record, stage, manifest, provenance, actor, "update")
        finally:
            stage.discard()  # a no-op after a swap; frees the staged copy when refused
        return await self._after_swap(plan, actor)

    async def _prepare(
        self,
        data: bytes,
        plugin_id: str | None,
        version: str | None,
        progress: Progress | None,
    ) -> tuple[Stage, Manifest, list[str]]:
        """Extract into a fresh staging folder and validate; the stage is discarded on error."""
        s = self.settings
        limits = ExtractLimits(
            max_files=s.plugin_max_package_files,
            max_total_bytes=s.plugin_max_unpacked_mb * 1024 * 1024,
            max_ratio=s.plugin_max_compression_ratio,
        )
        stage = Stage.create(self.plugins_dir, plugin_id or "upload")
        try:
            if progress:
                progress("extract", 0.0)
            folder = await asyncio.to_thread(installer.extract, data, stage, limits)
            if progress:
                progress("extract", 1.0)
                progress("validate", 0.0)
            manifest = await asyncio.to_thread(installer.validate, folder, plugin_id, version)
            if plugin_id is None:  # an upload: name the staged folder after its plugin id
                check_plugin_id(manifest.plugin_id)
                renamed = stage.renamed(manifest.plugin_id)
                renamed.new.parent.mkdir(parents=True, exist_ok=True)
                folder.rename(renamed.new)
                stage = renamed
                manifest = await asyncio.to_thread(installer.validate, stage.new, None, None)
            sandboxed = self._probe_sandboxed(manifest)
            capabilities = await installer.probe_import(
                stage.new, manifest.plugin_id, s.plugin_timeout_seconds, sandboxed=sandboxed
            )
            if progress:
                progress("validate", 1.0)
        except BaseException as exc:
            stage.discard()
            if isinstance(exc, OSError):
                raise StorageError(f"Could not stage the package: {exc}.") from exc
            raise
        return stage, manifest, capabilities

    def _probe_sandboxed(self, manifest: Manifest) -> bool:
        """Probe a package as it will run: an update keeps the admin's per-plugin choice."""
        record = self._plugins.get(manifest.plugin_id)
        if record is not None:  # the new manifest, but the record's override and approval
            candidate = dataclasses.replace(record, manifest=manifest)
            return self.effective_security_level(candidate) is PluginSecurityLevel.SANDBOXED
        s = self.settings
        return s.plugin_sandbox_force or PluginSecurityLevel.SANDBOXED in (
            manifest.security_level,
            s.plugin_security_level,
        )

    async def _install_new(
        self,
        data: bytes,
        plugin_id: str,
        version: str,
        provenance: dict[str, Any],
        actor: str,
        progress: Progress | None,
    ) -> dict[str, Any]:
        try:
            stage, manifest, capabilities = await self._prepare(data, plugin_id, version, progress)
        except PluginError as exc:
            self.audit.record(
                "install",
                plugin_id=plugin_id,
                actor=actor,
                outcome="refused",
                details={"version": version, "error": exc.message},
            )
            raise
        if progress:
            progress("register", 0.0)
        result = await self._activate_new(stage, manifest, capabilities, provenance, actor)
        if progress:
            progress("register", 1.0)
        return result

    async def _activate_new(
        self,
        stage: Stage,
        manifest: Manifest,
        capabilities: list[str],
        provenance: dict[str, Any],
        actor: str,
    ) -> dict[str, Any]:
        """Rename the staged folder into PLUGINS_DIR and register it (the caller holds the lock)."""
        plugin_id = manifest.plugin_id
        existing = self.plugins_dir / plugin_id
        if existing.exists() or existing.is_symlink():  # never replace what we did not install
            stage.discard()
            raise InvalidStateError(
                f"A folder {plugin_id!r} already exists in PLUGINS_DIR but is not registered; "
                "rescan the plugins folder or remove it, then install again."
            )
        try:
            await asyncio.to_thread(installer.activate, stage, self.plugins_dir, None)
        except OSError as exc:
            stage.discard()
            raise StorageError(f"Could not install {plugin_id!r}: {exc}.") from exc
        row = self.store.get_plugin(plugin_id)
        fresh = PluginRow(plugin_id=plugin_id, status="uninstalled")
        base = row if row is not None else fresh
        record = self._register(
            self.plugins_dir / plugin_id,
            dataclasses.replace(
                base,
                status="uninstalled",
                last_error=None,
                provenance=provenance,
                installed_at=time.time(),
            ),
        )
        self.audit.record(
            "install",
            plugin_id=plugin_id,
            actor=actor,
            details={
                "version": manifest.version,
                "source": provenance.get("source"),
                "checksum": provenance.get("checksum"),
            },
        )
        return {
            "plugin_id": plugin_id,
            "status": "installed",
            "version": manifest.version,
            "capabilities": capabilities or manifest.capabilities,
            "permissions": manifest.permissions,
            "permissions_granted": sorted(self._grants.get(plugin_id, set())),
            "dependencies": check_requirements(manifest.dependencies),
            "provenance": record.provenance,
        }

    async def update_plugin(
        self, plugin_id: str, version: str | None = None, *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Install another version beside the running one, swap, and reload if it was enabled.

        The config is migrated (validated against the new schema, else the update is refused);
        new permissions wait for an admin's grant; a version that fails to load is rolled back.
        """
        record = self._record(plugin_id)
        async with self._exclusive_change(plugin_id, "update"):
            installed = record.manifest.version if record.manifest else None
            client, snapshot, entry = await self._market_lookup(plugin_id)
            chosen = entry.resolve(version)
            if installed is not None and _same(chosen.version, installed):
                raise InvalidStateError(
                    f"Plugin {plugin_id!r} is already at version {installed}; available: "
                    f"{', '.join(v.version for v in entry.all_versions())}.",
                    plugin_id=plugin_id,
                )
            data = await client.download(chosen.download_url, chosen.checksum, None)
            provenance = _marketplace_provenance(client, snapshot, chosen, actor)
            stage, manifest, _ = await self._prepare(data, plugin_id, chosen.version, None)
            plan = await self._swap_in(record, stage, manifest, provenance, actor, "update")
        return await self._after_swap(plan, actor)

    async def rollback_plugin(
        self, plugin_id: str, version: str | None = None, *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Switch back to a kept version (the most recently replaced one by default)."""
        record = self._record(plugin_id)
        async with self._exclusive_change(plugin_id, "rollback"):
            plan = await self._rollback_locked(record, version, actor)
        return await self._after_swap(plan, actor)

    async def _rollback_locked(
        self, record: PluginRecord, version: str | None, actor: str
    ) -> dict[str, Any]:
        plugin_id = record.plugin_id
        versions_dir = self.settings.versions_dir
        kept = installer.kept_versions(versions_dir, plugin_id)
        current = record.manifest.version if record.manifest else None
        choices = [k for k in kept if current is None or not _same(k["version"], current)]
        if not choices:
            raise VersionNotFoundError(
                f"No previous version of {plugin_id!r} is kept, so there is nothing to roll back "
                "to (versions are kept when a plugin is updated).",
                plugin_id=plugin_id,
            )
        if version is None:
            target = choices[0]
        else:
            matches = [k for k in choices if _same(k["version"], version)]
            if not matches:
                raise VersionNotFoundError(
                    f"Version {version!r} of {plugin_id!r} is not kept; available for rollback: "
                    f"{', '.join(k['version'] for k in choices)}.",
                    plugin_id=plugin_id,
                )
            target = matches[0]
        stage = Stage.create(self.plugins_dir, plugin_id)
        try:
            await asyncio.to_thread(
                installer.stage_kept, versions_dir, plugin_id, target["version"], stage
            )
            manifest = await asyncio.to_thread(
                installer.validate, stage.new, plugin_id, target["version"]
            )
        except BaseException:
            stage.discard()
            raise
        provenance = dict(target.get("provenance") or {"source": "kept version"})
        plan = await self._swap_in(
            record, stage, manifest, provenance, actor, "rollback", fallback=target.get("config")
        )
        installer.drop_kept(versions_dir, plugin_id, target["version"])
        return plan

    async def _swap_in(
        self,
        record: PluginRecord,
        stage: Stage,
        manifest: Manifest,
        provenance: dict[str, Any],
        actor: str,
        action: str,
        fallback: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace a plugin's folder with ``stage.new``; the old one is kept for rollback."""
        plugin_id = record.plugin_id
        old = record.manifest
        try:
            config = self._migrated_config(record, manifest, strict=action == "update")
        except InvalidConfigError:
            stage.discard()
            raise
        if (
            config is None
            and fallback is not None
            and not manifest.config_errors(manifest.complete_config(fallback))
        ):
            config = fallback
        was_enabled = record.status is PluginStatus.ENABLED
        await self._stop_runner(record)
        archive = None
        if old is not None:
            archive = {
                "versions_dir": str(self.settings.versions_dir),
                "version": old.version,
                "meta": {"provenance": record.provenance, "config": record.config},
            }
        try:
            await asyncio.to_thread(installer.activate, stage, self.plugins_dir, archive)
        except OSError as exc:
            stage.discard()
            if was_enabled:
                record.status = PluginStatus.DISABLED
                self._persist(record)
            raise StorageError(f"Could not switch {plugin_id!r} versions: {exc}.") from exc
        installer.prune_kept(
            self.settings.versions_dir, plugin_id, self.settings.plugin_keep_versions
        )
        record.path = self.plugins_dir / plugin_id
        record.manifest = read_manifest(record.path, expected_id=plugin_id)
        if record.config is not None or config is not None:
            record.config = config
        record.provenance = provenance
        record.status = PluginStatus.DISABLED if was_enabled else PluginStatus.INSTALLED
        record.last_error = None
        record.loaded_at = None
        self._persist(record)
        before = set(old.permissions) if old else set()
        new_permissions = sorted(set(manifest.permissions) - before)
        ungranted = [p for p in manifest.permissions if not self.has_grant(plugin_id, p)]
        from_version = old.version if old else None
        self.audit.record(
            action,
            plugin_id=plugin_id,
            actor=actor,
            details={
                "from_version": from_version,
                "version": manifest.version,
                "new_permissions": new_permissions,
                "source": provenance.get("source"),
            },
        )
        return {
            "plugin_id": plugin_id,
            "action": action,
            "from_version": from_version,
            "version": manifest.version,
            "was_enabled": was_enabled,
            "new_permissions": new_permissions,
            "permissions_to_grant": ungranted,
        }

    def _migrated_config(
        self, record: PluginRecord, manifest: Manifest, *, strict: bool
    ) -> dict[str, Any] | None:
        """The plugin's saved config completed for ``manifest``; None when there is none or
        (not strict) it does not fit. Strict: a misfit refuses the switch."""
        if record.config is None:
            return None
        migrated = manifest.complete_config(record.config)
        errors = manifest.config_errors(migrated)
        if not errors:
            return migrated
        if not strict:
            return None
        listing = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
        raise InvalidConfigError(
            f"The configuration of {record.plugin_id!r} does not fit version {manifest.version} "
            f"({listing}); the update was refused and the installed version is unchanged. "
            "Adjust the configuration, then update again.",
            plugin_id=record.plugin_id,
            errors=errors,
        )

    async def _after_swap(self, plan: dict[str, Any], actor: str) -> dict[str, Any]:
        """Reload a plugin that was enabled; if the new version fails, roll back to the old."""
        plugin_id = plan["plugin_id"]
        status = "updated" if plan["action"] == "update" else "rolled_back"
        result = {
            "plugin_id": plugin_id,
            "status": status,
            "from_version": plan["from_version"],
            "version": plan["version"],
            "enabled": False,
            "new_permissions": plan["new_permissions"],
            "permissions_to_grant": plan["permissions_to_grant"],
            "capabilities": self._capabilities(self._plugins[plugin_id]),
        }
        if plan["permissions_to_grant"]:
            result["message"] = (
                f"Version {plan['version']} is installed but not enabled: grant "
                f"{', '.join(plan['permissions_to_grant'])} first, then load it."
            )
            return result
        if not plan["was_enabled"]:
            return result
        if self._plugins[plugin_id].status is PluginStatus.ENABLED:  # someone loaded it already
            result["enabled"] = True
            return result
        try:
            loaded = await self.load_plugin(plugin_id, actor=actor)
        except PluginError as exc:
            if (
                plan["action"] != "update"
                or plan["from_version"] is None
                or isinstance(exc, (InvalidStateError, OperationInProgressError))
            ):
                raise
            record = self._plugins[plugin_id]
            async with self._exclusive_change(plugin_id, "rollback"):
                back = await self._rollback_locked(record, plan["from_version"], SYSTEM_ACTOR)
            self.audit.record(
                "update_rolled_back",
                plugin_id=plugin_id,
                actor=actor,
                outcome="error",
                details={"version": plan["version"], "error": exc.message},
            )
            restarted = ""
            try:
                await self.load_plugin(plugin_id, actor=SYSTEM_ACTOR)
                restarted = ", which is running again"
            except PluginError as again:
                restarted = f", which could not be started either ({again.message})"
            raise HookExecutionError(
                f"Version {plan['version']} of {plugin_id!r} failed to load ({exc.message}); it "
                f"was rolled back automatically to {back['version']}{restarted}.",
                plugin_id=plugin_id,
            ) from exc
        result["enabled"] = True
        result["capabilities"] = loaded["capabilities"]
        return result

    async def uninstall_plugin(
        self, plugin_id: str, *, keep_data: bool = True, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Stop and remove a plugin's code; keep (default) or purge its data, config and grants."""
        record = self._record(plugin_id)
        async with self._exclusive_change(plugin_id, "uninstall"):
            await self._stop_runner(record)
            try:
                await asyncio.to_thread(installer.remove, self.plugins_dir, plugin_id)
            except OSError as exc:
                raise StorageError(f"Could not remove {record.path}: {exc}.") from exc
            self.store.delete_plugin(plugin_id, purge=not keep_data)
            del self._plugins[plugin_id]
            if not keep_data:
                self._grants.pop(plugin_id, None)
                data_dir = self.settings.plugin_data_path(plugin_id)
                await asyncio.to_thread(shutil.rmtree, data_dir, True)
                installer.drop_kept(self.settings.versions_dir, plugin_id)
            self.audit.record(
                "uninstall", plugin_id=plugin_id, actor=actor, details={"keep_data": keep_data}
            )
        return {"plugin_id": plugin_id, "status": "uninstalled", "data_kept": keep_data}

    async def list_versions(self, plugin_id: str) -> dict[str, Any]:
        """The running version, the kept ones (for rollback) and the marketplace's."""
        record = self._record(plugin_id)
        current = record.manifest.version if record.manifest else None
        kept = [
            {
                "version": k["version"],
                "archived_at": k.get("archived_at"),
                "source": (k.get("provenance") or {}).get("source"),
            }
            for k in installer.kept_versions(self.settings.versions_dir, plugin_id)
            if current is None or not _same(k["version"], current)
        ]
        try:
            _, _, entry = await self._market_lookup(plugin_id)
            marketplace = [v.version for v in entry.all_versions()]
        except (NotFoundError, MarketplaceError):
            marketplace = []
        return {
            "plugin_id": plugin_id,
            "current": current,
            "available_for_rollback": [k["version"] for k in kept],
            "kept": kept,
            "marketplace_versions": marketplace,
        }

    async def check_for_updates(self) -> list[dict[str, Any]]:
        """Installed plugins with a newer version in the marketplace."""
        self._require_initialized()
        snapshot = await self._marketplace().index()
        updates = []
        for plugin_id in sorted(self._plugins):
            record = self._plugins[plugin_id]
            entry = snapshot.index.entries.get(plugin_id)
            if entry is None or record.manifest is None:
                continue
            if _newer(entry.version, record.manifest.version):
                latest = entry.latest()
                updates.append(
                    {
                        "plugin_id": plugin_id,
                        "installed_version": record.manifest.version,
                        "latest_version": entry.version,
                        "new_permissions": sorted(
                            set(latest.permissions or entry.permissions)
                            - set(record.manifest.permissions)
                        ),
                        "changelog": latest.changelog,
                    }
                )
        return updates

    async def apply_updates(self, *, actor: str = "auto-update") -> list[dict[str, Any]]:
        """One round of automatic updates (PLUGIN_AUTO_UPDATE): each outcome, never raises."""
        outcomes = []
        try:
            updates = await self.check_for_updates()
        except PluginError as exc:
            return [{"ok": False, "error": exc.message}]
        for item in updates:
            try:
                result = await self.update_plugin(item["plugin_id"], actor=actor)
                outcomes.append({"ok": True, **result})
            except PluginError as exc:
                outcomes.append({"plugin_id": item["plugin_id"], "ok": False, "error": exc.message})
        return outcomes

    def _start_auto_update(self) -> None:
        if self.settings.plugin_auto_update:
            self._spawn(self._auto_update_loop(), forever=True)

    async def _auto_update_loop(self) -> None:
        """Check at start, then every PLUGIN_UPDATE_CHECK_INTERVAL seconds."""
        while True:
            for outcome in await self.apply_updates():
                logger.info("auto-update: {}", outcome)
            await asyncio.sleep(self.settings.plugin_update_check_interval)

    def _recover_staging(self) -> None:
        """Undo or finish an install interrupted by a crash; delete staging leftovers."""
        for note in installer.recover(self.plugins_dir):
            logger.warning("marketplace recovery: {}", note)
            self.audit.record("staging_recovered", details={"note": note})


def _marketplace_provenance(
    client: MarketplaceClient, snapshot: IndexSnapshot, chosen: VersionEntry, actor: str
) -> dict[str, Any]:
    """Where an installed package came from, shown in the console and kept in backups."""
    return {
        "via": "marketplace",
        "source": client.resolve(chosen.download_url),
        "marketplace": client.base,
        "checksum": chosen.checksum,
        "checksum_verified": True,
        "signed_index": snapshot.signed,
        "signer": snapshot.signer,
        "installed_by": actor,
    }


def _same(a: str, b: str) -> bool:
    """PEP 440 equality ('1.0' == '1.0.0'); plain string equality for invalid versions."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _newer(candidate: str, installed: str) -> bool:
    try:
        return Version(candidate) > Version(installed)
    except InvalidVersion:
        return False
