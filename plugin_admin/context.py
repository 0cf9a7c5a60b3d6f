"""The host API a plugin sees: every call checks the plugin's grants at the moment it is made.

A ``PluginContext`` is the only sanctioned road from plugin code to the platform (emails,
attachments, outgoing mail, logs, the plugin's data folder, outbound HTTP). In process it is
access control for well-behaved code, not containment; inside a sandbox worker the same API is
a proxy whose every call is a request the host checks again (see ``sandbox/``).
"""

from __future__ import annotations

from typing import Any, Protocol


class PluginContext(Protocol):
    """What plugins may call. Permission needed for each call is given in brackets."""

    plugin_id: str

    def log(self, level: str, message: str) -> None:
        """Write to the plugin's own log [write:logs]."""

    async def list_emails(self, limit: int = 50) -> list[dict[str, Any]]:
        """Recent emails, newest first [read:emails]."""

    async def get_email(self, email_id: str) -> dict[str, Any]:
        """One email with headers, body and attachment names [read:emails]."""

    async def update_email(self, email_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change tags, flags or folder of an email [write:emails]."""

    async def send_email(self, to: str, subject: str, body: str) -> dict[str, Any]:
        """Queue an outgoing email [send:emails]."""

    async def get_attachment(self, email_id: str, filename: str) -> bytes:
        """The bytes of one attachment [read:attachments]."""

    async def read_data(self, name: str) -> bytes:
        """Read a file from the plugin's own data folder [storage]."""

    async def write_data(self, name: str, data: bytes) -> None:
        """Write a file in the plugin's own data folder [storage]."""

    async def http_request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> dict[str, Any]:
        """Outbound HTTP made by the host, to allow-listed hosts only [network]."""
