"""Ed25519 signatures of the exact index bytes (``index.json.sig``, base64).

Publishers sign with ``plugin-admin marketplace build --sign KEY``; operators drop the
publisher's public key (PEM) into ``config/trusted_keys/``.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import MarketplaceError

SIGNATURE_SUFFIX = ".sig"


def generate_key_pair(private_path: Path, public_path: Path) -> None:
    """Write a new private key (PEM, mode 600) and its public key (PEM)."""
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise MarketplaceError(f"Cannot read the signing key {path}: {exc}.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise MarketplaceError(f"{path} is not an Ed25519 private key.")
    return key


def sign(data: bytes, key: Ed25519PrivateKey) -> bytes:
    """The base64 signature file content for ``data``."""
    return base64.b64encode(key.sign(data)) + b"\n"


def trusted_keys(folder: Path) -> list[tuple[str, Ed25519PublicKey]]:
    """Every Ed25519 public key (PEM) in ``folder``; other files are ignored."""
    keys: list[tuple[str, Ed25519PublicKey]] = []
    if not folder.is_dir():
        return keys
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".pem", ".pub"):
            continue
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise MarketplaceError(f"Trusted key {path} is not a PEM public key: {exc}.") from None
        if isinstance(key, Ed25519PublicKey):
            keys.append((path.name, key))
    return keys


def verify(data: bytes, signature: bytes, keys: list[tuple[str, Ed25519PublicKey]]) -> str | None:
    """The name of the trusted key that signed ``data``, or None when none did."""
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    for name, key in keys:
        try:
            key.verify(raw, data)
        except InvalidSignature:
            continue
        return name
    return None
