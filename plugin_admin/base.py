"""The plugin-facing types of the seed specification: metadata, security levels, status, the ABC.

Plugin authors import these (``from plugin_admin import PluginInterface, PluginMetadata``);
they are kept exactly as the seed defines them so that plugins written against it work here.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import PluginContext


class PluginSecurityLevel(Enum):
    """Security levels for plugin execution (strictest last)."""

    TRUSTED = "trusted"  # Full system access, in process
    STANDARD = "standard"  # In process, reaches the host only through its PluginContext
    SANDBOXED = "sandboxed"  # Separate worker process with OS isolation and limits

    @property
    def strictness(self) -> int:
        """Order used to pick the strictest of several levels."""
        return _STRICTNESS[self]

    @classmethod
    def strictest(cls, *levels: PluginSecurityLevel | None) -> PluginSecurityLevel:
        present = [level for level in levels if level is not None]
        return max(present, key=lambda level: level.strictness) if present else cls.STANDARD


_STRICTNESS = {
    PluginSecurityLevel.TRUSTED: 0,
    PluginSecurityLevel.STANDARD: 1,
    PluginSecurityLevel.SANDBOXED: 2,
}


class PluginStatus(Enum):
    """Where a plugin is in its lifecycle (see ARCHITECTURE.md's state machine)."""

    INSTALLED = "installed"
    ENABLED = "enabled"
    DISABLED = "disabled"
    ERROR = "error"


@dataclass
class PluginMetadata:
    """Metadata for plugin identification and management."""

    plugin_id: str
    name: str
    version: str
    author: str
    description: str
    license: str = "MIT"
    homepage: str | None = None
    repository: str | None = None
    dependencies: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    security_level: PluginSecurityLevel = PluginSecurityLevel.STANDARD
    tags: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=lambda: time.time())
    checksum: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the security level as its string value)."""
        return {
            "plugin_id": self.plugin_id,
            "name": self.name,
            "version": self.version,
            "author": self.author,
            "description": self.description,
            "license": self.license,
            "homepage": self.homepage,
            "repository": self.repository,
            "dependencies": list(self.dependencies),
            "permissions": list(self.permissions),
            "security_level": self.security_level.value,
            "tags": list(self.tags),
            "created_at": self.created_at,
            "checksum": self.checksum,
        }


class PluginInterface(abc.ABC):
    """Abstract base class for all plugins.

    Plugins must implement these methods to integrate with the platform. The host hands each
    plugin a :class:`~plugin_admin.context.PluginContext` before ``initialize`` (see
    :meth:`bind_context`); it is the plugin's only sanctioned way to reach emails, logs,
    storage and the network.
    """

    context: PluginContext | None = None

    @abc.abstractmethod
    def get_metadata(self) -> PluginMetadata:
        """Return plugin metadata."""

    @abc.abstractmethod
    async def initialize(self, config: dict[str, Any]) -> bool:
        """Initialize the plugin with configuration."""

    @abc.abstractmethod
    async def shutdown(self) -> bool:
        """Shutdown the plugin and cleanup resources."""

    @abc.abstractmethod
    def get_capabilities(self) -> list[str]:
        """Return list of plugin capabilities/features."""

    @abc.abstractmethod
    def get_required_permissions(self) -> list[str]:
        """Return list of required permissions."""

    @abc.abstractmethod
    async def execute_hook(self, hook_name: str, *args: Any, **kwargs: Any) -> Any:
        """Execute a plugin hook with parameters."""

    def bind_context(self, context: PluginContext) -> None:
        """Called by the host before ``initialize``; override only to observe it."""
        self.context = context
