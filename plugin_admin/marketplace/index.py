"""The marketplace index (``<base>/index.json``) as pydantic models.

Entries are validated one by one, so a single malformed entry is reported (naming the entry
and the field) without hiding the good ones. Versions are compared with PEP 440.
"""

from __future__ import annotations

import json
import re
from typing import Any

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import MarketplaceError, VersionNotFoundError
from ..ids import is_valid_plugin_id

INDEX_FORMAT = 1
CHECKSUM_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")


def _check_version(value: str) -> str:
    try:
        Version(value)
    except InvalidVersion:
        raise ValueError(f"{value!r} is not a PEP 440 version (e.g. '1.2.0')") from None
    return value


def _check_checksum(value: str) -> str:
    if not CHECKSUM_PATTERN.fullmatch(value):
        raise ValueError("must be 'sha256:' followed by 64 lower-case hex digits")
    return value


class VersionEntry(BaseModel):
    """One downloadable version of a plugin."""

    model_config = ConfigDict(extra="allow")

    version: str
    download_url: str = Field(min_length=1)
    checksum: str
    size: int | None = Field(None, ge=0)
    released_at: float | None = None
    changelog: str = ""
    permissions: list[str] | None = None

    _version = field_validator("version")(classmethod(lambda cls, v: _check_version(v)))
    _checksum = field_validator("checksum")(classmethod(lambda cls, v: _check_checksum(v)))

    @property
    def parsed(self) -> Version:
        return Version(self.version)


class IndexEntry(BaseModel):
    """One plugin of the index: its latest version plus every listed version."""

    model_config = ConfigDict(extra="allow")

    plugin_id: str
    name: str = Field(min_length=1)
    version: str
    author: str = ""
    description: str = ""
    download_url: str = Field(min_length=1)
    checksum: str
    size: int | None = Field(None, ge=0)
    tags: list[str] = Field(default_factory=list)
    category: str | None = None
    rating: float | None = Field(None, ge=0, le=5)
    downloads: int | None = Field(None, ge=0)
    last_updated: float | None = None
    permissions: list[str] = Field(default_factory=list)
    security_level: str = "standard"
    versions: list[VersionEntry] = Field(default_factory=list)

    _version = field_validator("version")(classmethod(lambda cls, v: _check_version(v)))
    _checksum = field_validator("checksum")(classmethod(lambda cls, v: _check_checksum(v)))

    @field_validator("plugin_id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not is_valid_plugin_id(value):
            raise ValueError("must match ^[a-z][a-z0-9_]{1,63}$ and not be a reserved name")
        return value

    @field_validator("security_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value not in ("trusted", "standard", "sandboxed"):
            raise ValueError("must be trusted, standard or sandboxed")
        return value

    def all_versions(self) -> list[VersionEntry]:
        """Every installable version, newest first (the top-level one included once)."""
        found = {Version(v.version): v for v in self.versions}
        top = Version(self.version)
        if top not in found:
            found[top] = VersionEntry(
                version=self.version,
                download_url=self.download_url,
                checksum=self.checksum,
                size=self.size,
                released_at=self.last_updated,
                permissions=self.permissions,
            )
        return [found[key] for key in sorted(found, reverse=True)]

    def latest(self) -> VersionEntry:
        """The version the entry advertises, not the highest one: that may be a pre-release."""
        top = Version(self.version)
        return next(v for v in self.all_versions() if v.parsed == top)

    def resolve(self, version: str | None) -> VersionEntry:
        """The newest version, or exactly ``version`` (PEP 440 equality: '1.0' == '1.0.0')."""
        versions = self.all_versions()
        if version is None:
            return self.latest()
        try:
            wanted = Version(str(version))
        except InvalidVersion:
            wanted = None
        for item in versions:
            if wanted is not None and item.parsed == wanted:
                return item
        raise VersionNotFoundError(
            f"Plugin {self.plugin_id!r} has no version {version!r} in the marketplace; "
            f"available: {', '.join(v.version for v in versions)}.",
            plugin_id=self.plugin_id,
        )

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["versions"] = [v.model_dump(mode="json") for v in self.all_versions()]
        return data


class ParsedIndex(BaseModel):
    """The good entries of an index, plus one message per entry that was refused."""

    entries: dict[str, IndexEntry]
    errors: list[str] = Field(default_factory=list)
    invalid: dict[str, str] = Field(default_factory=dict)  # plugin_id -> why it was skipped


def parse_index(data: bytes, *, source: str = "index.json") -> ParsedIndex:
    """Parse index bytes; garbage is a MarketplaceError, a bad entry is an error line."""
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MarketplaceError(
            f"The marketplace index at {source} is not valid JSON ({exc}); check "
            "PLUGIN_MARKETPLACE_URL points at a marketplace."
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("plugins"), list):
        raise MarketplaceError(
            f"The marketplace index at {source} must be a JSON object with a 'plugins' list."
        )
    if raw.get("format", INDEX_FORMAT) != INDEX_FORMAT:
        raise MarketplaceError(
            f"The marketplace index at {source} has format {raw.get('format')!r}; this version "
            f"of plugin-admin reads format {INDEX_FORMAT}."
        )
    entries: dict[str, IndexEntry] = {}
    errors: list[str] = []
    invalid: dict[str, str] = {}
    for position, item in enumerate(raw["plugins"]):
        label = f"entry {position}"
        if isinstance(item, dict) and isinstance(item.get("plugin_id"), str):
            label += f" ({item['plugin_id']!r})"
        try:
            entry = IndexEntry.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(
                f"field {'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}"
                for e in exc.errors()[:5]
            )
            errors.append(f"{label} skipped: {problems}")
            if isinstance(item, dict) and isinstance(item.get("plugin_id"), str):
                invalid[item["plugin_id"]] = problems
            continue
        if entry.plugin_id in entries:
            errors.append(f"{label} skipped: plugin_id {entry.plugin_id!r} is listed twice")
            continue
        entries[entry.plugin_id] = entry
    return ParsedIndex(entries=entries, errors=errors, invalid=invalid)
