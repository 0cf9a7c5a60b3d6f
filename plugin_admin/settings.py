"""Operator settings from the environment and ``.env`` (pydantic-settings).

Every variable of the seed's Configuration section and of CONTRACT.md lives here with its
default; ``config/.env.example`` documents each one (a test keeps the two in step). An invalid
value stops start-up with :class:`SettingsError`, naming the variable and what it accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .base import PluginSecurityLevel
from .errors import PluginError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MARKETPLACE = PROJECT_ROOT / "assets" / "marketplace" / "catalogue"


class SettingsError(PluginError):
    """A setting has a value we cannot start with."""

    status_code = 422


class Settings(BaseSettings):
    """The operator's knobs. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Folders
    plugins_dir: Path = Field(Path("./plugins"), description="Installed plugins (one folder each)")
    plugin_data_dir: Path = Field(
        Path("./data/plugins"), description="Runtime state: SQLite, plugin data, caches, logs"
    )

    # Security
    plugin_security_level: PluginSecurityLevel = Field(
        PluginSecurityLevel.STANDARD,
        description="Minimum security level for every plugin: trusted, standard or sandboxed",
    )
    plugin_sandbox_enabled: bool = Field(
        True, description="Allow sandboxed workers; 'force' semantics via plugin_sandbox_force"
    )
    plugin_sandbox_force: bool = Field(
        False, description="Run every plugin in a sandboxed worker, whatever its level"
    )
    plugin_timeout_seconds: float = Field(
        30, gt=0, description="Time limit for lifecycle steps (initialize, shutdown, import)"
    )

    # Marketplace
    plugin_marketplace_url: str = Field(
        str(BUNDLED_MARKETPLACE),
        description="Marketplace base: http(s)://, file:// or a folder holding index.json",
    )
    plugin_auto_update: bool = Field(False, description="Apply updates in the background")
    plugin_update_check_interval: int = Field(
        86400, ge=60, description="Seconds between background update checks"
    )
    plugin_marketplace_cache_ttl: int = Field(
        300, ge=0, description="Seconds a cached marketplace index is fresh"
    )
    plugin_require_signed_index: bool = Field(
        False, description="Refuse a marketplace index without a valid ed25519 signature"
    )
    plugin_grant_on_install: bool = Field(
        True,
        description="Installing a plugin grants the permissions it declares (admin consent at "
        "install); updates that ask for more still wait for an explicit grant",
    )
    plugin_keep_versions: int = Field(
        3, ge=1, le=50, description="Previous versions kept per plugin for rollback"
    )
    plugin_marketplace_timeout: float = Field(
        10, gt=0, description="Seconds to wait for the marketplace (connect, read, index refresh)"
    )
    plugin_trusted_keys_dir: Path = Field(
        PROJECT_ROOT / "config" / "trusted_keys",
        description="Folder of publishers' Ed25519 public keys (PEM) trusted to sign the index",
    )
    plugin_max_package_files: int = Field(
        1000, gt=0, description="Most entries a plugin package (zip) may hold"
    )
    plugin_max_unpacked_mb: int = Field(
        100, gt=0, description="Largest total size a plugin package may expand to (MB)"
    )
    plugin_max_compression_ratio: float = Field(
        100, gt=1, description="Refuse package members compressed more than this (zip bombs)"
    )

    # Resource limits
    plugin_max_memory_mb: int = Field(
        100,
        gt=0,
        description="A sandboxed plugin's memory budget (address space on top of the worker "
        "interpreter's own ~35 MB baseline)",
    )
    plugin_max_execution_time: float = Field(10, gt=0, description="Per-hook-call time limit (s)")
    plugin_max_file_size_mb: int = Field(
        50, gt=0, description="Largest package download / file a sandboxed plugin may write"
    )
    plugin_max_result_kb: int = Field(
        1024, gt=0, description="Largest JSON result a hook may return (KiB)"
    )
    plugin_failure_threshold: int = Field(
        5, ge=1, description="Consecutive hook failures/timeouts before a plugin is disabled"
    )
    plugin_safe_mode: bool = Field(False, description="Start with every plugin listed, none loaded")
    plugin_network_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts plugins with the 'network' permission may reach (comma-separated)",
    )

    # Serving
    plugin_admin_host: str = Field("127.0.0.1", description="Address the console/API bind to")
    plugin_admin_port: int = Field(7860, ge=1, le=65535, description="Port of console and API")
    plugin_admin_username: str = Field("admin", min_length=1, description="Console login name")
    plugin_admin_password: str | None = Field(
        None, description="Console password; generated at first start when unset"
    )
    plugin_api_token: str | None = Field(
        None, description="REST bearer token; generated at first start when unset"
    )
    plugin_admin_access_log: bool = Field(
        False,
        description="Log every HTTP request (the audit log already records every change)",
    )
    plugin_admin_auth_disabled: bool = Field(
        False, description="Disable console and API auth (refused on non-loopback addresses)"
    )

    @field_validator("plugin_network_allowlist", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("plugin_security_level", mode="before")
    @classmethod
    def _lower_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def database_path(self) -> Path:
        return self.plugin_data_dir / "plugin_admin.sqlite3"

    @property
    def marketplace_cache_path(self) -> Path:
        return self.plugin_data_dir / "marketplace_cache.json"

    @property
    def versions_dir(self) -> Path:
        """Previous versions kept for rollback (beside, not inside, PLUGINS_DIR)."""
        return self.plugin_data_dir / "versions"

    def plugin_data_path(self, plugin_id: str) -> Path:
        return self.plugin_data_dir / plugin_id


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's report into one message per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_settings_error(exc)) from None


def describe_settings_error(exc: ValidationError) -> str:
    lines = ["Invalid configuration:"]
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper() or "SETTINGS"
        accepted = _accepted_values(name)
        got = error.get("input")
        lines.append(
            f"  {name}={got!r}: {error['msg']}" + (f" (accepted: {accepted})" if accepted else "")
        )
    lines.append("Fix the environment variable (or .env entry) and start again.")
    return "\n".join(lines)


def _accepted_values(variable: str) -> str:
    field = Settings.model_fields.get(variable.lower())
    if field is None:
        return ""
    if field.annotation is PluginSecurityLevel:
        return ", ".join(level.value for level in PluginSecurityLevel)
    if field.annotation is bool:
        return "true or false"
    bounds = []
    for meta in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            if getattr(meta, attr, None) is not None:
                bounds.append(f"{sign} {getattr(meta, attr)}")
    return "a number " + " and ".join(bounds) if bounds else ""
