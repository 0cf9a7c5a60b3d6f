"""The host side of PluginContext: every call checks the plugin's grants when it is made.

In-process plugins get a :class:`HostContext` directly; a sandboxed plugin's worker sends each
context call to the host, which answers through the same object (so the rules live once).
Grants are read from the manager's live grant table, so a revocation takes effect on the very
next call. Denials raise :class:`PermissionDeniedError` and are audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .audit import AuditLog
from .errors import InvalidInputError, PermissionDeniedError
from .mailbox import Mailbox
from .plugin_logs import PluginLogs
from .safe_paths import open_regular, subdir

FILES_DIR = "files"  # read_data / write_data live in <data folder>/files
_DATA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_DATA_BYTES = 10 * 1024 * 1024
MAX_HTTP_BODY = 1024 * 1024
LOG_LEVELS = {"debug", "info", "warning", "error", "critical"}


@dataclass
class HostServices:
    """What contexts share: the grant table, the mailbox, logs, audit and the allow-list."""

    has_grant: Callable[[str, str], bool]
    mailbox: Mailbox
    logs: PluginLogs
    audit: AuditLog
    data_dir_for: Callable[[str], Path]
    network_allowlist: list[str] = field(default_factory=list)
    http_timeout: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None


class HostContext:
    """The PluginContext the host gives one plugin."""

    def __init__(self, plugin_id: str, services: HostServices) -> None:
        self.plugin_id = plugin_id
        self._services = services
        # A sandboxed plugin's uid (set by its worker runner): files the host writes for it
        # belong to it, so the plugin can change them itself.
        self.owner_uid: int | None = None

    @property
    def _data_base(self) -> Path:
        return self._services.data_dir_for(self.plugin_id)

    @property
    def data_dir(self) -> Path:
        return self._data_base / FILES_DIR

    def require(self, permission: str, action: str) -> None:
        if self._services.has_grant(self.plugin_id, permission):
            return
        self._services.audit.record(
            "permission_denied",
            plugin_id=self.plugin_id,
            actor=self.plugin_id,
            outcome="denied",
            details={"permission": permission, "call": action},
        )
        raise PermissionDeniedError(
            f"Plugin {self.plugin_id!r} needs the {permission!r} permission to {action}; "
            f"an admin can grant it in the Permissions tab or with "
            f"grant_permission({self.plugin_id!r}, {permission!r}).",
            plugin_id=self.plugin_id,
            permission=permission,
        )

    def record_worker_event(self, action: str, outcome: str, details: dict[str, Any]) -> None:
        """A sandbox worker was killed or restarted: the host audits it for the plugin."""
        self._services.audit.record(
            action, plugin_id=self.plugin_id, outcome=outcome, details=details
        )

    def record_output(self, line: str) -> None:
        """What a sandbox worker printed: recorded by the host, not a plugin call (no grant)."""
        self._services.logs.write(self.plugin_id, "info", f"[worker output] {line}")

    def log(self, level: str, message: str) -> None:
        self.require("write:logs", "write to its log")
        level = str(level).lower()
        self._services.logs.write(
            self.plugin_id, level if level in LOG_LEVELS else "info", str(message)
        )

    async def list_emails(self, limit: int = 50) -> list[dict[str, Any]]:
        self.require("read:emails", "read emails")
        return self._services.mailbox.list_emails(int(limit))

    async def get_email(self, email_id: str) -> dict[str, Any]:
        self.require("read:emails", "read emails")
        return self._services.mailbox.get_email(str(email_id))

    async def update_email(self, email_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.require("write:emails", "change emails")
        try:
            return self._services.mailbox.update_email(str(email_id), dict(changes))
        except ValueError as exc:
            raise InvalidInputError(str(exc), plugin_id=self.plugin_id) from None

    async def send_email(self, to: str, subject: str, body: str) -> dict[str, Any]:
        self.require("send:emails", "send emails")
        return self._services.mailbox.send_email(
            f"plugin:{self.plugin_id}", str(to), str(subject), str(body)
        )

    async def get_attachment(self, email_id: str, filename: str) -> bytes:
        self.require("read:attachments", "read attachments")
        return self._services.mailbox.get_attachment(str(email_id), str(filename))

    async def read_data(self, name: str) -> bytes:
        self.require("storage", "read its data files")
        self._check_name(name)
        # A sandboxed plugin owns this folder: never follow its links, never block on a FIFO.
        missing = InvalidInputError(f"No data file {name!r} in the plugin's data folder.")
        try:
            with subdir(self._data_base, FILES_DIR, create=False) as folder:
                fd = open_regular(name, os.O_RDONLY, folder)
        except FileNotFoundError:
            raise missing from None
        except OSError as exc:
            if exc.filename == FILES_DIR or exc.errno == errno.ENOTDIR:
                raise missing from None  # 'files' itself is a link or no folder
            # links, folders and FIFOs planted in the data folder are never followed
            raise InvalidInputError(f"Data file {name!r} is not a regular file.") from None
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_DATA_BYTES + 1)
        if len(data) > MAX_DATA_BYTES:
            raise InvalidInputError(
                f"Data file {name!r} is over {MAX_DATA_BYTES} bytes; read_data returns whole "
                "files up to that size (open it directly from the data folder instead)."
            )
        return data

    async def write_data(self, name: str, data: bytes) -> None:
        self.require("storage", "write its data files")
        if len(data) > MAX_DATA_BYTES:
            raise InvalidInputError(f"Data file {name!r} is over {MAX_DATA_BYTES} bytes.")
        self._check_name(name)
        temporary = f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            with subdir(self._data_base, FILES_DIR, create=True) as folder:
                # A fresh exclusive name is never a planted link; the rename then replaces
                # (never follows) whatever is at ``name``.
                fd = open_regular(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, folder)
                if self.owner_uid is not None:
                    os.fchown(folder, self.owner_uid, self.owner_uid)
                    os.fchown(fd, self.owner_uid, self.owner_uid)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(bytes(data))
                    os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary, dir_fd=folder)
                    raise
        except OSError as exc:
            raise InvalidInputError(
                f"Cannot write data file {name!r}: {exc.strerror or exc}. The plugin's "
                f"'{FILES_DIR}' folder must be a real folder, not a link."
            ) from None

    async def http_request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> dict[str, Any]:
        self.require("network", "make HTTP requests")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in {"http", "https"} or host not in self._services.network_allowlist:
            self._services.audit.record(
                "network_denied",
                plugin_id=self.plugin_id,
                actor=self.plugin_id,
                outcome="denied",
                details={"url": url},
            )
            raise PermissionDeniedError(
                f"Plugin {self.plugin_id!r} may not reach {host or url!r}: only http(s) to hosts "
                "in PLUGIN_NETWORK_ALLOWLIST are allowed.",
                plugin_id=self.plugin_id,
                permission="network",
            )
        # Streamed with a byte cap and one overall deadline: httpx's timeouts are per read, and
        # a huge or trickling answer must not cost the host its memory or a stuck call.
        try:
            async with (
                asyncio.timeout(self._services.http_timeout),
                httpx.AsyncClient(
                    timeout=self._services.http_timeout,
                    transport=self._services.transport,
                    follow_redirects=False,
                ) as client,
                client.stream(method.upper(), url, headers=headers, content=body) as response,
            ):
                received = bytearray()
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) > MAX_HTTP_BODY:
                        break
        except TimeoutError:
            raise InvalidInputError(
                f"{url} did not answer within {self._services.http_timeout:g} s."
            ) from None
        except httpx.HTTPError as exc:
            raise InvalidInputError(f"Request to {url} failed: {exc}.") from None
        return {
            "status_code": response.status_code,
            "headers": dict(response.headers),
            "body": bytes(received[:MAX_HTTP_BODY]).decode(response.encoding or "utf-8", "replace"),
            "truncated": len(received) > MAX_HTTP_BODY,
        }

    @staticmethod
    def _check_name(name: str) -> None:
        if not _DATA_NAME.fullmatch(str(name)):  # no '/', no leading dot: no '..', no folders
            raise InvalidInputError(
                f"Invalid data file name {name!r}: use letters, digits, '.', '_' or '-', no folders."
            )
