"""The platform's mail store as plugins see it (through their PluginContext).

The email intelligence platform plugs its own store in by implementing :class:`Mailbox`; the
manager ships :class:`MemoryMailbox` so the console and tests have real emails to work on.
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any, Protocol

from .errors import NotFoundError

EDITABLE_FIELDS = {"tags", "flags", "folder"}


class Mailbox(Protocol):
    def list_emails(self, limit: int) -> list[dict[str, Any]]: ...
    def get_email(self, email_id: str) -> dict[str, Any]: ...
    def update_email(self, email_id: str, changes: dict[str, Any]) -> dict[str, Any]: ...
    def send_email(self, sender: str, to: str, subject: str, body: str) -> dict[str, Any]: ...
    def get_attachment(self, email_id: str, filename: str) -> bytes: ...


class MemoryMailbox:
    """An in-memory mailbox with a few sample emails and an outbox."""

    def __init__(self, emails: list[dict[str, Any]] | None = None) -> None:
        self._emails = {e["id"]: e for e in (emails if emails is not None else _samples())}
        self.outbox: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def list_emails(self, limit: int = 50) -> list[dict[str, Any]]:
        emails = sorted(self._emails.values(), key=lambda e: e["received_at"], reverse=True)
        return [_public(e) for e in emails[: max(0, limit)]]

    def get_email(self, email_id: str) -> dict[str, Any]:
        return _public(self._find(email_id))

    def update_email(self, email_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        email = self._find(email_id)
        bad = set(changes) - EDITABLE_FIELDS
        if bad:
            raise ValueError(
                f"cannot change {', '.join(sorted(bad))}; editable fields: "
                f"{', '.join(sorted(EDITABLE_FIELDS))}"
            )
        email.update(copy.deepcopy(changes))
        return _public(email)

    def send_email(self, sender: str, to: str, subject: str, body: str) -> dict[str, Any]:
        message = {
            "id": f"out-{next(self._ids)}",
            "from": sender,
            "to": to,
            "subject": subject,
            "body": body,
            "queued_at": time.time(),
        }
        self.outbox.append(message)
        return dict(message)

    def get_attachment(self, email_id: str, filename: str) -> bytes:
        email = self._find(email_id)
        for attachment in email.get("attachments", []):
            if attachment["filename"] == filename:
                return attachment["content"]
        raise NotFoundError(f"Email {email_id!r} has no attachment {filename!r}.")

    def _find(self, email_id: str) -> dict[str, Any]:
        try:
            return self._emails[email_id]
        except KeyError:
            raise NotFoundError(f"No email with id {email_id!r}.") from None


def _public(email: dict[str, Any]) -> dict[str, Any]:
    result = {k: copy.deepcopy(v) for k, v in email.items() if k != "attachments"}
    result["attachments"] = [
        {
            "filename": a["filename"],
            "size_bytes": len(a["content"]),
            "content_type": a["content_type"],
        }
        for a in email.get("attachments", [])
    ]
    return result


def _samples() -> list[dict[str, Any]]:
    now = time.time()
    return [
        {
            "id": "msg-1",
            "sender": "billing@acme-supplies.com",
            "to": "finance@example.com",
            "subject": "Invoice 2026-114 for October",
            "body": "Hello,\n\nplease find attached invoice 2026-114, due on 30 November.\n\nRegards,\nJane Doe\nAccounts, ACME Supplies",
            "headers": {},
            "tags": [],
            "flags": [],
            "folder": "inbox",
            "received_at": now - 3600,
            "attachments": [
                {
                    "filename": "invoice-2026-114.pdf",
                    "content_type": "application/pdf",
                    "content": b"%PDF-1.4 sample",
                }
            ],
        },
        {
            "id": "msg-2",
            "sender": "winner@suspicious.com",
            "to": "me@example.com",
            "subject": "You won a lottery!",
            "body": "Check out this amazing offer! Claim your prize at http://192.168.0.7/claim now!!!",
            "headers": {},
            "tags": [],
            "flags": [],
            "folder": "inbox",
            "received_at": now - 600,
            "attachments": [
                {
                    "filename": "prize.pdf.exe",
                    "content_type": "application/octet-stream",
                    "content": b"MZ",
                }
            ],
        },
        {
            "id": "msg-3",
            "sender": "news@weekly-digest.example",
            "to": "me@example.com",
            "subject": "Your weekly digest",
            "body": "Top stories this week. Unsubscribe: https://weekly-digest.example/unsubscribe",
            "headers": {"List-Unsubscribe": "<https://weekly-digest.example/unsubscribe>"},
            "tags": [],
            "flags": [],
            "folder": "inbox",
            "received_at": now - 60,
            "attachments": [],
        },
    ]
