"""Backup and restore of the whole plugin state, as one JSON snapshot (a lock file).

A snapshot pins each plugin's version and package checksum, its status, config, grants and the
admin's security choices. Restoring onto a fresh instance installs the pinned versions from the
marketplace (refusing a package whose checksum differs from the pinned one), then applies
grants, config and status, and reports per plugin what it changed and what it could not.

This module drives the manager's public API only; it never touches storage itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import InvalidInputError, PluginError

if TYPE_CHECKING:
    from .manager import PluginManager

SNAPSHOT_FORMAT = 1


class PluginSnapshot(BaseModel):
    plugin_id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    version: str | None
    checksum: str | None = None
    source: str | None = None
    status: Literal["installed", "enabled", "disabled", "error"]
    config: dict[str, Any] | None = None
    grants: list[str] = Field(default_factory=list)
    security_override: Literal["trusted", "standard", "sandboxed"] | None = None
    trusted_approved: bool = False


class Snapshot(BaseModel):
    format: Literal[1] = SNAPSHOT_FORMAT
    created_at: float
    marketplace: str | None = None
    plugins: list[PluginSnapshot]


async def export_state(manager: PluginManager) -> dict[str, Any]:
    """The whole plugin state as a JSON-ready snapshot."""
    plugins = []
    for summary in await manager.list_plugins(include_metadata=False):
        details = await manager.get_plugin(summary["id"])
        security = details["security"]
        provenance = details.get("provenance") or {}
        plugins.append(
            PluginSnapshot(
                plugin_id=summary["id"],
                version=summary["version"],
                checksum=provenance.get("checksum"),
                source=provenance.get("via") or provenance.get("source"),
                status=summary["status"],
                config=details["config"],
                grants=details["permissions"]["granted"],
                security_override=security["admin_choice"],
                trusted_approved=security["trusted_approved"],
            ).model_dump()
        )
    return Snapshot(
        created_at=time.time(), marketplace=manager.settings.plugin_marketplace_url, plugins=plugins
    ).model_dump()


def parse_snapshot(data: Any) -> Snapshot:
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'snapshot'}: {e['msg']}"
            for e in exc.errors()[:10]
        )
        raise InvalidInputError(
            f"Not a plugin-admin snapshot: {problems}. Use a file made by 'plugin-admin backup' "
            "or GET /api/plugins/backup."
        ) from None


async def restore_state(manager: PluginManager, data: Any, *, actor: str) -> dict[str, Any]:
    """Bring this instance to the snapshot's state; report each plugin's outcome."""
    snapshot = parse_snapshot(data)
    report: dict[str, Any] = {"changed": [], "unchanged": [], "failed": []}
    for item in sorted(snapshot.plugins, key=lambda p: p.plugin_id):
        try:
            changes = await _restore_one(manager, item, actor)
        except PluginError as exc:
            report["failed"].append({"plugin_id": item.plugin_id, "error": exc.message})
            continue
        if changes:
            report["changed"].append({"plugin_id": item.plugin_id, "changes": changes})
        else:
            report["unchanged"].append(item.plugin_id)
    installed = set(manager.plugin_ids())
    report["not_in_snapshot"] = sorted(installed - {p.plugin_id for p in snapshot.plugins})
    manager.audit.record(
        "restore",
        actor=actor,
        outcome="success" if not report["failed"] else "partial",
        details={
            "changed": [c["plugin_id"] for c in report["changed"]],
            "failed": [f["plugin_id"] for f in report["failed"]],
        },
    )
    return report


async def _restore_one(manager: PluginManager, item: PluginSnapshot, actor: str) -> list[str]:
    changes: list[str] = []
    plugin_id = item.plugin_id
    if plugin_id not in manager.plugin_ids():
        if item.source != "marketplace":
            raise InvalidInputError(
                f"{plugin_id} {item.version} came from {item.source or 'an unknown source'}, not "
                "the marketplace: put it back (copy its folder into PLUGINS_DIR, or upload its "
                "zip), then restore again."
            )
        await _check_pinned_checksum(manager, item)
        await manager.install_plugin(plugin_id, item.version, actor=actor)
        if not await _installed_matches_pin(manager, item):
            await manager.uninstall_plugin(plugin_id, keep_data=False, actor=actor)
            raise _changed_package(item)
        changes.append(f"installed {item.version}")
    else:
        current = (await manager.get_plugin(plugin_id))["version"]
        if item.version and current != item.version:
            await _check_pinned_checksum(manager, item)
            if (await manager.get_plugin(plugin_id))["status"] == "enabled":
                await manager.unload_plugin(plugin_id, actor=actor)
            await manager.update_plugin(plugin_id, item.version, actor=actor)
            if not await _installed_matches_pin(manager, item):
                await manager.rollback_plugin(plugin_id, current, actor=actor)
                raise _changed_package(item)
            changes.append(f"version {current} -> {item.version}")

    details = await manager.get_plugin(plugin_id)
    if sorted(details["permissions"]["granted"]) != sorted(item.grants):
        await manager.set_permissions(plugin_id, item.grants, actor=actor)
        changes.append("grants")
    security = details["security"]
    if security["admin_choice"] != item.security_override or (
        security["trusted_approved"] != item.trusted_approved
    ):
        await manager.set_security_level(
            plugin_id, item.security_override, approve_trusted=item.trusted_approved, actor=actor
        )
        changes.append("security level")
    if item.config is not None and details["config"] != item.config:
        await manager.update_plugin_config(plugin_id, item.config, actor=actor)
        changes.append("config")

    status = (await manager.get_plugin(plugin_id))["status"]
    if item.status == "enabled" and status != "enabled":
        await manager.load_plugin(plugin_id, actor=actor)
        changes.append("enabled")
    elif item.status != "enabled" and status == "enabled":
        await manager.unload_plugin(plugin_id, actor=actor)
        changes.append("disabled")
    return changes


async def _installed_matches_pin(manager: PluginManager, item: PluginSnapshot) -> bool:
    """What was actually installed carries the pinned checksum (the index may have changed
    between the check and the download, or name the version twice, '1.0' and '1.0.0')."""
    if not item.checksum:
        return True
    provenance = (await manager.get_plugin(item.plugin_id)).get("provenance") or {}
    return provenance.get("checksum") == item.checksum


def _changed_package(item: PluginSnapshot) -> InvalidInputError:
    return InvalidInputError(
        f"{item.plugin_id} {item.version} as downloaded does not have the snapshot's pinned "
        f"checksum {item.checksum}: refusing a changed package (it was removed again)."
    )


async def _check_pinned_checksum(manager: PluginManager, item: PluginSnapshot) -> None:
    if not item.checksum:
        return
    entry = await manager.get_marketplace_plugin(item.plugin_id)
    candidates = [entry, *entry.get("versions", [])]
    offered = {c.get("version"): c.get("checksum") for c in candidates if c.get("version")}
    if item.version not in offered:
        raise InvalidInputError(
            f"The marketplace no longer offers {item.plugin_id} {item.version}; available: "
            f"{', '.join(sorted(offered)) or 'none'}."
        )
    if offered[item.version] != item.checksum:
        raise InvalidInputError(
            f"{item.plugin_id} {item.version} in the marketplace has checksum "
            f"{offered[item.version]}, the snapshot pinned {item.checksum}: refusing a changed package."
        )


def _register_commands(commands: argparse._SubParsersAction) -> None:
    from .cli import _with_manager

    p = commands.add_parser("backup", help="write the whole plugin state as a JSON snapshot")
    p.add_argument("file", nargs="?", help="output file (default: standard output)")

    async def backup(args: argparse.Namespace) -> None:
        snapshot = await _with_manager(args, export_state)
        text = json.dumps(snapshot, indent=2, sort_keys=True)
        if args.file:
            Path(args.file).write_text(text + "\n")
        else:
            print(text)

    p.set_defaults(run=backup)

    p = commands.add_parser("restore", help="restore a snapshot made by 'backup'")
    p.add_argument("file")

    async def restore(args: argparse.Namespace) -> None:
        try:
            data = json.loads(Path(args.file).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInputError(f"Cannot read snapshot {args.file}: {exc}") from None
        report = await _with_manager(args, lambda m: restore_state(m, data, actor="cli"))
        print(json.dumps(report, indent=2))
        if report["failed"]:
            sys.exit(1)

    p.set_defaults(run=restore)


def _register() -> None:
    from .cli import EXTRA_COMMANDS

    if _register_commands not in EXTRA_COMMANDS:
        EXTRA_COMMANDS.append(_register_commands)


_register()
