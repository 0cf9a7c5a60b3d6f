"""The exception hierarchy: every error a user can meet, with a message that says what to do.

::

    PluginError (500)                       base; ``message`` is shown to users verbatim
    ├── InvalidInputError (422)            bad id, bad request values
    │   ├── InvalidPluginIdError
    │   ├── InvalidManifestError           plugin.json / metadata disagreement
    │   ├── InvalidConfigError             ``errors``: [{"path", "message"}]
    │   ├── HookArgumentsError             kwargs fail the hook's schema
    │   └── PackageError                   unsafe / malformed package, checksum mismatch
    ├── NotFoundError (404)
    │   ├── PluginNotFoundError
    │   ├── HookNotFoundError              lists the known hooks
    │   └── VersionNotFoundError           lists the available versions
    ├── ConflictError (409)
    │   ├── InvalidStateError              names the current status
    │   ├── OperationInProgressError
    │   ├── MissingPermissionsError        lists what to grant
    │   └── DependencyError                unmet pip requirements
    ├── PermissionDeniedError (403)        a context call without the grant
    ├── HookTimeoutError (504)
    ├── HookExecutionError (502)           the plugin raised or returned garbage
    ├── MarketplaceError (502)             unreachable / invalid index
    └── StorageError (503)                 data dir read-only, full or locked

The REST API maps ``status_code`` to the HTTP answer in one place (``api/errors.py``).
"""

from __future__ import annotations

from typing import Any


class PluginError(Exception):
    """Base of every error plugin-admin raises on purpose."""

    status_code = 500

    def __init__(self, message: str, *, plugin_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.plugin_id = plugin_id

    def to_dict(self) -> dict[str, Any]:
        return {"detail": self.message}


class InvalidInputError(PluginError):
    status_code = 422


class InvalidPluginIdError(InvalidInputError):
    pass


class InvalidManifestError(InvalidInputError):
    pass


class InvalidConfigError(InvalidInputError):
    """The config does not satisfy the plugin's config_schema; ``errors`` lists each path."""

    def __init__(
        self,
        message: str,
        *,
        plugin_id: str | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message, plugin_id=plugin_id)
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors}


class HookArgumentsError(InvalidConfigError):
    """Hook kwargs fail the hook's declared ``parameters`` schema."""


class PackageError(InvalidInputError):
    pass


class NotFoundError(PluginError):
    status_code = 404


class PluginNotFoundError(NotFoundError):
    pass


class HookNotFoundError(NotFoundError):
    pass


class VersionNotFoundError(NotFoundError):
    pass


class ConflictError(PluginError):
    status_code = 409


class InvalidStateError(ConflictError):
    pass


class OperationInProgressError(ConflictError):
    pass


class MissingPermissionsError(ConflictError):
    def __init__(self, message: str, *, plugin_id: str | None = None, missing: list[str]) -> None:
        super().__init__(message, plugin_id=plugin_id)
        self.missing = missing


class DependencyError(ConflictError):
    pass


class PermissionDeniedError(PluginError):
    """A plugin asked the host for something its grants do not allow."""

    status_code = 403

    def __init__(self, message: str, *, plugin_id: str | None = None, permission: str = "") -> None:
        super().__init__(message, plugin_id=plugin_id)
        self.permission = permission


# The seed and issues call it PermissionDenied; both names work.
PermissionDenied = PermissionDeniedError


class HookTimeoutError(PluginError):
    status_code = 504


class HookExecutionError(PluginError):
    """The plugin raised, refused to start, or returned something unusable."""

    status_code = 502
    traceback: str | None = None  # set for in-process plugins (shown to plugin developers)


class MarketplaceError(PluginError):
    status_code = 502


class StorageError(PluginError):
    status_code = 503
