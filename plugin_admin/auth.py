"""Who may use the console and the REST API: one bearer token, one console login.

Secrets come from the environment (``PLUGIN_API_TOKEN``, ``PLUGIN_ADMIN_PASSWORD``). When one is
unset, it is generated at first start, printed once (as Jupyter prints its token), and only a
salted scrypt hash is written to ``<PLUGIN_DATA_DIR>/credentials.json``: a copied data folder
does not leak a usable secret. Comparisons are constant-time (:func:`hmac.compare_digest`).

With ``PLUGIN_ADMIN_AUTH_DISABLED=true`` no check is made, which is only allowed on a loopback
address: :func:`check_bind_address` refuses anything else before the server starts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from .errors import PluginError
from .settings import Settings, SettingsError

CREDENTIALS_FILE = "credentials.json"
API_ACTOR = "api-token"

# scrypt cost: ~50 ms per check, so a guessed token is expensive; a right one is cached.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_SCHEME = "scrypt:16384:8:1"


class AuthenticationError(PluginError):
    """No, malformed or wrong credentials (HTTP 401)."""

    status_code = 401


class InsecureBindError(SettingsError):
    """Authentication is disabled but the server would listen beyond this machine."""


@dataclass(frozen=True)
class SecretHash:
    """A secret we can check but never read back: salt + scrypt digest."""

    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, secret: str, salt: bytes | None = None) -> SecretHash:
        salt = salt if salt is not None else secrets.token_bytes(16)
        return cls(salt, hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT))

    def matches(self, candidate: str) -> bool:
        computed = hashlib.scrypt(candidate.encode(), salt=self.salt, **_SCRYPT)
        return hmac.compare_digest(computed, self.digest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": _SCHEME,
            "salt": self.salt.hex(),
            "hash": self.digest.hex(),
            "created_at": time.time(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> SecretHash | None:
        if not isinstance(data, dict) or data.get("scheme") != _SCHEME:
            return None
        try:
            return cls(bytes.fromhex(data["salt"]), bytes.fromhex(data["hash"]))
        except (KeyError, TypeError, ValueError):
            return None


class _CheckedSecret:
    """A :class:`SecretHash` plus a cache of the last accepted value (as a SHA-256 digest), so
    the legitimate client pays scrypt once, not on every request."""

    def __init__(self, hashed: SecretHash) -> None:
        self._hashed = hashed
        self._accepted: bytes | None = None

    def cached(self, candidate: str) -> bool:
        """True when ``candidate`` is the last accepted value (a cheap, constant-time check)."""
        quick = hashlib.sha256(candidate.encode()).digest()
        return self._accepted is not None and hmac.compare_digest(quick, self._accepted)

    def check(self, candidate: str) -> bool:
        if self.cached(candidate):
            return True
        if self._hashed.matches(candidate):
            quick = hashlib.sha256(candidate.encode()).digest()
            self._accepted = quick
            return True
        return False


class Credentials:
    """Checks the REST bearer token and the console login."""

    def __init__(
        self,
        *,
        username: str,
        token: SecretHash | None,
        password: SecretHash | None,
        disabled: bool = False,
    ) -> None:
        if not disabled and (token is None or password is None):
            raise ValueError("a token and a password hash are required unless auth is disabled")
        self.username = username
        self.disabled = disabled
        self._token = _CheckedSecret(token) if token else None
        self._password = _CheckedSecret(password) if password else None

    def check_token(self, presented: str | None) -> bool:
        if self.disabled:
            return True
        if not presented or self._token is None:
            return False
        return self._token.check(presented)

    def check_login(self, username: str, password: str) -> bool:
        """The console's login check (Gradio calls it with the form's values)."""
        if self.disabled:
            return True
        if self._password is None or not isinstance(password, str):
            return False
        name_ok = hmac.compare_digest(str(username).encode(), self.username.encode())
        password_ok = self._password.check(password)  # always run: no timing hint on the name
        return name_ok and password_ok

    async def check_login_async(self, username: str, password: str) -> bool:
        """:meth:`check_login` off the event loop (Gradio awaits a coroutine auth callable)."""
        return await asyncio.to_thread(self.check_login, username, password)

    def require_token(self, authorization: str | None) -> str:
        """Check an ``Authorization`` header; return the audit actor or raise a 401 error."""
        if self.disabled:
            return API_ACTOR
        if not self.check_token(self._bearer(authorization)):
            raise self._wrong_token()
        return API_ACTOR

    async def require_token_async(self, authorization: str | None) -> str:
        """:meth:`require_token` for the event loop: a token that is not the cached one is
        checked in a worker thread, so wrong guesses (50 ms of scrypt each) never stall it."""
        if self.disabled:
            return API_ACTOR
        token = self._bearer(authorization)
        if self._token is not None and self._token.cached(token):
            return API_ACTOR
        if not await asyncio.to_thread(self.check_token, token):
            raise self._wrong_token()
        return API_ACTOR

    @staticmethod
    def _bearer(authorization: str | None) -> str:
        if not authorization:
            raise AuthenticationError(
                "Authentication required: send 'Authorization: Bearer <token>' (the token is "
                "PLUGIN_API_TOKEN, or the one printed at first start)."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                "Malformed Authorization header: use 'Authorization: Bearer <token>'."
            )
        return token.strip()

    @staticmethod
    def _wrong_token() -> AuthenticationError:
        return AuthenticationError(
            "Invalid API token. Use PLUGIN_API_TOKEN or the token printed at first start; "
            "run 'plugin-admin reset-credentials' to generate a new one."
        )


def credentials_path(settings: Settings) -> Path:
    return settings.plugin_data_dir / CREDENTIALS_FILE


def load_credentials(
    settings: Settings, *, announce: Callable[[str], None] | None = None
) -> Credentials:
    """Credentials from settings, else from the stored hashes, else freshly generated.

    Generated secrets are passed to ``announce`` (default: print to stdout) exactly once;
    afterwards only their hashes exist.
    """
    if settings.plugin_admin_auth_disabled:
        logger.warning("authentication is DISABLED (PLUGIN_ADMIN_AUTH_DISABLED=true)")
        return Credentials(
            username=settings.plugin_admin_username, token=None, password=None, disabled=True
        )
    path = credentials_path(settings)
    stored = _read_store(path)
    generated: dict[str, str] = {}
    hashes: dict[str, SecretHash] = {}
    for key, configured in (
        ("api_token", settings.plugin_api_token),
        ("admin_password", settings.plugin_admin_password),
    ):
        if configured:
            if key == "api_token" and len(configured) < 16:
                logger.warning(
                    "PLUGIN_API_TOKEN is short ({} characters): use 32+", len(configured)
                )
            hashes[key] = SecretHash.of(configured)
            continue
        previous = SecretHash.from_dict(stored.get(key))
        if previous is not None:
            hashes[key] = previous
            continue
        secret = secrets.token_urlsafe(32) if key == "api_token" else secrets.token_urlsafe(12)
        generated[key] = secret
        hashes[key] = SecretHash.of(secret)
        stored[key] = hashes[key].to_dict()
    if generated:
        _write_store(path, stored)
        (announce or _print_once)(_banner(settings, generated, path))
    return Credentials(
        username=settings.plugin_admin_username,
        token=hashes["api_token"],
        password=hashes["admin_password"],
    )


def reset_credentials(
    settings: Settings, *, announce: Callable[[str], None] | None = None
) -> Credentials:
    """Forget the stored hashes and generate new secrets (for a lost token or password)."""
    credentials_path(settings).unlink(missing_ok=True)
    return load_credentials(settings, announce=announce)


def check_bind_address(settings: Settings) -> None:
    """Refuse to serve without authentication anywhere but on a loopback address."""
    if settings.plugin_admin_auth_disabled and not is_loopback(settings.plugin_admin_host):
        raise InsecureBindError(
            f"Refusing to start: authentication is disabled (PLUGIN_ADMIN_AUTH_DISABLED=true) "
            f"and PLUGIN_ADMIN_HOST={settings.plugin_admin_host!r} is reachable from other "
            "machines. Bind to 127.0.0.1, or turn authentication back on."
        )


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def _read_store(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable {} ({}): new credentials will be made", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _write_store(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(temporary, path)


def _banner(settings: Settings, generated: dict[str, str], path: Path) -> str:
    lines = ["", "=" * 72, "plugin-admin generated credentials (shown ONCE, keep them now):"]
    if "api_token" in generated:
        token = generated["api_token"]
        lines.append(f"  REST API token : {token}")
        lines.append(f"                   curl -H 'Authorization: Bearer {token}' .../api/plugins/")
    if "admin_password" in generated:
        lines.append(
            f"  Console login  : {settings.plugin_admin_username} / {generated['admin_password']}"
        )
    lines += [
        f"Only salted hashes are stored ({path}).",
        "Set PLUGIN_API_TOKEN / PLUGIN_ADMIN_PASSWORD to choose your own, or run",
        "'plugin-admin reset-credentials' to generate new ones.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def _print_once(text: str) -> None:
    print(text, file=sys.stdout, flush=True)
