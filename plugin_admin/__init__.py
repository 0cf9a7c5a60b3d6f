"""plugin-admin: install, configure, permit and run plugins of the email intelligence platform.

The public API is what ``__all__`` lists; a test keeps it complete.
"""

from .base import PluginInterface, PluginMetadata, PluginSecurityLevel, PluginStatus
from .errors import (
    ConflictError,
    DependencyError,
    HookArgumentsError,
    HookExecutionError,
    HookNotFoundError,
    HookTimeoutError,
    InvalidConfigError,
    InvalidInputError,
    InvalidManifestError,
    InvalidPluginIdError,
    InvalidStateError,
    MarketplaceError,
    MissingPermissionsError,
    NotFoundError,
    OperationInProgressError,
    PackageError,
    PermissionDenied,
    PermissionDeniedError,
    PluginError,
    PluginNotFoundError,
    StorageError,
    VersionNotFoundError,
)
from .manager import PluginDetails, PluginManager
from .settings import Settings, SettingsError, load_settings

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "DependencyError",
    "HookArgumentsError",
    "HookExecutionError",
    "HookNotFoundError",
    "HookTimeoutError",
    "InvalidConfigError",
    "InvalidInputError",
    "InvalidManifestError",
    "InvalidPluginIdError",
    "InvalidStateError",
    "MarketplaceError",
    "MissingPermissionsError",
    "NotFoundError",
    "OperationInProgressError",
    "PackageError",
    "PermissionDenied",
    "PermissionDeniedError",
    "PluginDetails",
    "PluginError",
    "PluginInterface",
    "PluginManager",
    "PluginMetadata",
    "PluginNotFoundError",
    "PluginSecurityLevel",
    "PluginStatus",
    "Settings",
    "SettingsError",
    "StorageError",
    "VersionNotFoundError",
    "__version__",
    "load_settings",
]
