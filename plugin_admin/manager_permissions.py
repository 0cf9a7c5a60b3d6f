"""Permission and security-level operations of :class:`~plugin_admin.manager.PluginManager`.

Grants (persisted, audited, revocable, read live by every context call) and the effective
security level (the strictest of manifest, operator minimum and admin choice; trusted only
when an admin approved it). A mixin, kept apart so ``manager.py`` holds the lifecycle core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .audit import SYSTEM_ACTOR
from .base import PluginSecurityLevel
from .errors import InvalidInputError
from .permissions import CATALOGUE, describe

if TYPE_CHECKING:
    from .manager import PluginRecord


class PermissionOperations:
    """Mixed into PluginManager; relies on its records, grant table, store and audit."""

    def has_grant(self, plugin_id: str, permission: str) -> bool:
        grants = self._grants.get(plugin_id)
        return grants is not None and permission in grants

    async def get_permissions(self, plugin_id: str) -> dict[str, Any]:
        """Requested permissions with description, risk and grant (who, when)."""
        record = self._record(plugin_id)
        requested = record.manifest.permissions if record.manifest else []
        grants = self.store.grants(plugin_id)
        return {
            "plugin_id": plugin_id,
            "permissions": [
                {**item, "granted": item["name"] in grants, **grants.get(item["name"], {})}
                for item in describe(requested)
            ],
            "granted": sorted(grants),
            "missing": [p for p in requested if p not in grants],
            "security": self.security_explanation(record),
        }

    async def grant_permission(
        self, plugin_id: str, permission: str, *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        record = self._record(plugin_id)
        self._check_permission_name(permission)
        self._grant_all(record, [permission], actor)
        return await self.get_permissions(plugin_id)

    async def revoke_permission(
        self, plugin_id: str, permission: str, *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Takes effect on the plugin's next host call; no restart needed."""
        self._record(plugin_id)
        self._check_permission_name(permission)
        self.store.set_grant(plugin_id, permission, actor, granted=False)
        self._grants.get(plugin_id, set()).discard(permission)
        self.audit.record(
            "permission_revoke",
            plugin_id=plugin_id,
            actor=actor,
            details={"permission": permission},
        )
        return await self.get_permissions(plugin_id)

    async def set_permissions(
        self, plugin_id: str, granted: list[str], *, actor: str = SYSTEM_ACTOR
    ) -> dict[str, Any]:
        """Make the grant set exactly ``granted`` (the console's Save and the API's PUT)."""
        self._record(plugin_id)
        for permission in granted:
            self._check_permission_name(permission)
        current = set(self._grants.get(plugin_id, set()))
        for permission in sorted(set(granted) - current):
            await self.grant_permission(plugin_id, permission, actor=actor)
        for permission in sorted(current - set(granted)):
            await self.revoke_permission(plugin_id, permission, actor=actor)
        return await self.get_permissions(plugin_id)

    def _grant_all(self, record: PluginRecord, permissions: list[str], actor: str) -> None:
        for permission in permissions:
            if self.has_grant(record.plugin_id, permission):
                continue
            self.store.set_grant(record.plugin_id, permission, actor, granted=True)
            self._grants.setdefault(record.plugin_id, set()).add(permission)
            self.audit.record(
                "permission_grant",
                plugin_id=record.plugin_id,
                actor=actor,
                details={"permission": permission},
            )

    @staticmethod
    def _check_permission_name(permission: str) -> None:
        if permission not in CATALOGUE:
            raise InvalidInputError(
                f"Unknown permission {permission!r}; known permissions are: {', '.join(CATALOGUE)}."
            )

    # ---------------------------------------------------------------------- security levels
    def effective_security_level(self, record: PluginRecord) -> PluginSecurityLevel:
        """The strictest of manifest, operator minimum and admin choice; trusted needs approval."""
        declared = (
            record.manifest.security_level if record.manifest else PluginSecurityLevel.STANDARD
        )
        if self.settings.plugin_sandbox_force:
            return PluginSecurityLevel.SANDBOXED
        level = PluginSecurityLevel.strictest(
            declared, self.settings.plugin_security_level, record.security_override
        )
        if level is PluginSecurityLevel.TRUSTED and not record.trusted_approved:
            return PluginSecurityLevel.STANDARD
        return level

    def security_explanation(self, record: PluginRecord) -> dict[str, Any]:
        declared = record.manifest.security_level.value if record.manifest else "standard"
        effective = self.effective_security_level(record)
        reasons = [
            f"manifest declares {declared}",
            f"operator minimum is {self.settings.plugin_security_level.value}",
        ]
        if record.security_override:
            reasons.append(f"admin chose {record.security_override.value}")
        if self.settings.plugin_sandbox_force:
            reasons.append("PLUGIN_SANDBOX_FORCE runs every plugin sandboxed")
        if declared == "trusted" and not record.trusted_approved:
            reasons.append("trusted is not approved by an admin for this plugin")
        return {
            "declared": declared,
            "operator_minimum": self.settings.plugin_security_level.value,
            "admin_choice": record.security_override.value if record.security_override else None,
            "trusted_approved": record.trusted_approved,
            "effective": effective.value,
            "reasons": reasons,
            "isolation": getattr(record.runner, "isolation", None),
        }

    async def set_security_level(
        self,
        plugin_id: str,
        level: PluginSecurityLevel | str | None,
        *,
        approve_trusted: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> dict[str, Any]:
        """An admin's per-plugin level (None clears it); takes effect at the next load."""
        record = self._record(plugin_id)
        chosen = PluginSecurityLevel(level) if level else None
        record.security_override = chosen
        record.trusted_approved = approve_trusted or (
            record.trusted_approved and chosen is PluginSecurityLevel.TRUSTED
        )
        self._persist(record)
        self.audit.record(
            "security_level",
            plugin_id=plugin_id,
            actor=actor,
            details={"level": chosen.value if chosen else None, "approve_trusted": approve_trusted},
        )
        return self.security_explanation(record)
