"""Request and response bodies of the REST API (the seed's shapes, as pydantic models).

They exist so ``/openapi.json`` describes every answer exactly. Response models allow extra
keys: the manager may add fields (the contract may grow, never shrink) without a 500 here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["installed", "enabled", "disabled", "error"]
SecurityLevel = Literal["trusted", "standard", "sandboxed"]

PLUGIN_ID_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"
HOOK_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}$"


class Request(BaseModel):
    """Request bodies refuse unknown keys, so a typo is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorItem(BaseModel):
    path: str = Field(description="Where the problem is: a JSON path or request location")
    message: str


class ErrorAnswer(BaseModel):
    detail: str = Field(description="What went wrong and what to do")
    errors: list[ErrorItem] | None = Field(
        None, description="Each invalid value (config errors, request validation)"
    )


# ------------------------------------------------------------------------------- requests
class InstallRequest(Request):
    plugin_id: str = Field(pattern=PLUGIN_ID_PATTERN, examples=["email_filter_plugin"])
    version: str | None = Field(None, pattern=VERSION_PATTERN, examples=["1.0.0"])


class LoadRequest(Request):
    config: dict[str, Any] | None = Field(
        None, description="Config to load with (validated against the plugin's config_schema)"
    )


class ConfigRequest(Request):
    config: dict[str, Any]


class VersionRequest(Request):
    version: str | None = Field(
        None, pattern=VERSION_PATTERN, description="Target version; omit for latest/previous"
    )


class PermissionsRequest(Request):
    granted: list[str] = Field(
        description="The complete set of granted permissions (others are revoked)",
        max_length=100,
    )


# ------------------------------------------------------------------------------ responses
class PluginMetadataModel(Answer):
    plugin_id: str
    name: str
    version: str
    author: str
    description: str
    license: str
    homepage: str | None = None
    repository: str | None = None
    dependencies: list[str]
    permissions: list[str]
    security_level: SecurityLevel
    tags: list[str]
    created_at: float
    checksum: str | None = None


class PluginSummary(Answer):
    id: str
    plugin_id: str
    name: str
    version: str | None
    author: str | None
    description: str | None
    status: Status
    security_level: SecurityLevel
    declared_security_level: str | None = None
    isolation: str | None = None
    loaded: bool
    loaded_at: float | None
    capabilities: list[str]
    category: str | None = None
    tags: list[str] = []
    last_error: str | None = None
    health: str | None = None
    metadata: PluginMetadataModel | None = Field(
        None, description="Present when include_metadata is true"
    )


class PermissionSummary(Answer):
    requested: list[str]
    granted: list[str]
    missing: list[str]
    catalogue: list[dict[str, Any]]


class PluginDetailsModel(PluginSummary):
    config: dict[str, Any] | None
    config_schema: dict[str, Any] | None
    default_config: dict[str, Any] | None = None
    hooks: list[str]
    hook_specs: list[dict[str, Any]] = []
    permissions: PermissionSummary
    security: dict[str, Any]
    dependencies: list[str]
    provenance: dict[str, Any] = {}
    installed_at: float | None = None
    manifest: dict[str, Any] | None = None


class InstallAnswer(Answer):
    """``updated`` when the plugin was already installed at another version."""

    plugin_id: str
    status: Literal["installed", "updated"]
    version: str
    capabilities: list[str]


class LoadAnswer(Answer):
    plugin_id: str
    status: Literal["loaded"]
    capabilities: list[str]
    security_level: SecurityLevel


class UnloadAnswer(Answer):
    plugin_id: str
    status: Literal["unloaded"]


class HookAnswer(Answer):
    hook_name: str
    result: Any = Field(description="Whatever the hook returned (JSON)")
    execution_time_ms: float


class ConfigAnswer(Answer):
    plugin_id: str
    status: Literal["configuration_updated"]
    config: dict[str, Any]


class ChangeAnswer(Answer):
    """Uninstall, update and rollback: the plugin and what happened (more keys may follow)."""

    plugin_id: str
    status: Literal["uninstalled", "updated", "rolled_back"]
    version: str | None = Field(None, description="The version now installed (update/rollback)")
    from_version: str | None = None
    enabled: bool | None = Field(None, description="Whether it runs now (update/rollback)")
    data_kept: bool | None = Field(None, description="Uninstall: data and config kept")


class PermissionItem(Answer):
    name: str
    description: str
    risk: str
    granted: bool
    granted_by: str | None = None
    granted_at: float | None = None


class PermissionsAnswer(Answer):
    plugin_id: str
    permissions: list[PermissionItem]
    granted: list[str]
    missing: list[str]
    security: dict[str, Any]


class MarketplaceEntry(Answer):
    plugin_id: str
    name: str
    version: str
    author: str | None = None
    description: str | None = None
    download_url: str | None = None
    checksum: str | None = None
    tags: list[str] = []
    category: str | None = None
    rating: float | None = None
    downloads: int | None = None
    last_updated: float | None = None
    permissions: list[str] = []
    security_level: SecurityLevel | None = None
    installed_version: str | None = Field(None, description="Installed version, if any")
    update_available: bool | None = None
    versions: list[dict[str, Any]] = []


class AuditEvent(Answer):
    id: int
    timestamp: float
    actor: str
    plugin_id: str | None
    action: str
    outcome: str
    details: dict[str, Any]


class RestoreFailure(Answer):
    plugin_id: str
    error: str


class RestoreChange(Answer):
    plugin_id: str
    changes: Any


class RestoreAnswer(Answer):
    changed: list[RestoreChange]
    unchanged: list[str]
    failed: list[RestoreFailure]
    not_in_snapshot: list[str] = []


class PluginCounts(BaseModel):
    total: int
    installed: int
    enabled: int
    disabled: int
    error: int


class HealthAnswer(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    plugins: PluginCounts
    safe_mode: bool
    safe_mode_reason: str | None
