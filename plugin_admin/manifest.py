"""plugin.json: read, validate against the shipped JSON Schema, and expose as typed data.

A :class:`Manifest` is immutable and carries compiled validators for the plugin's config and
each hook's arguments, so the hot path (hook dispatch) never compiles a schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from packaging.version import InvalidVersion, Version

from .base import PluginMetadata, PluginSecurityLevel
from .errors import InvalidManifestError, InvalidPluginIdError
from .ids import check_plugin_id
from .schema_tools import apply_defaults, check_schema, compile_schema, schema_errors

MANIFEST_FILE = "plugin.json"
DEFAULT_CONFIG_FILE = Path("config") / "default.json"
MAX_MANIFEST_BYTES = 1_000_000


@dataclass(frozen=True)
class HookSpec:
    """One hook a plugin declares: what it does, its argument schema and an example call."""

    name: str
    description: str = ""
    parameters: dict[str, Any] | None = None
    returns: dict[str, Any] | None = None
    example: dict[str, Any] | None = None
    validator: Draft202012Validator | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "returns": self.returns,
            "example": self.example,
        }


@dataclass(frozen=True)
class Manifest:
    """A validated plugin.json plus the plugin's default config."""

    raw: dict[str, Any]
    hooks: dict[str, HookSpec]
    config_schema: dict[str, Any]
    default_config: dict[str, Any]
    config_validator: Draft202012Validator = field(compare=False, repr=False)

    @property
    def plugin_id(self) -> str:
        return self.raw["plugin_id"]

    @property
    def version(self) -> str:
        return self.raw["version"]

    @property
    def name(self) -> str:
        return self.raw["name"]

    @property
    def permissions(self) -> list[str]:
        return list(self.raw.get("permissions", []))

    @property
    def dependencies(self) -> list[str]:
        return list(self.raw.get("dependencies", []))

    @property
    def security_level(self) -> PluginSecurityLevel:
        return PluginSecurityLevel(self.raw.get("security_level", "standard"))

    @property
    def priority(self) -> int:
        return int(self.raw.get("priority", 100))

    @property
    def capabilities(self) -> list[str]:
        return list(self.raw.get("capabilities", []))

    def metadata(self) -> PluginMetadata:
        raw = self.raw
        return PluginMetadata(
            plugin_id=raw["plugin_id"],
            name=raw["name"],
            version=raw["version"],
            author=raw["author"],
            description=raw["description"],
            license=raw.get("license", "MIT"),
            homepage=raw.get("homepage"),
            repository=raw.get("repository"),
            dependencies=self.dependencies,
            permissions=self.permissions,
            security_level=self.security_level,
            tags=list(raw.get("tags", [])),
        )

    def config_errors(self, config: Any) -> list[dict[str, str]]:
        return schema_errors(self.config_validator, config)

    def complete_config(self, config: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults of the schema, overlaid by default.json, overlaid by ``config``."""
        merged = dict(self.default_config)
        merged.update(config or {})
        return apply_defaults(self.config_schema, merged)


@cache
def manifest_schema() -> dict[str, Any]:
    text = resources.files("plugin_admin").joinpath("schemas/plugin_manifest.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _manifest_validator() -> Draft202012Validator:
    return compile_schema(manifest_schema())


def read_manifest(plugin_dir: Path, *, expected_id: str | None = None) -> Manifest:
    """Load and validate ``plugin_dir/plugin.json`` (and config/default.json)."""
    where = plugin_dir / MANIFEST_FILE
    try:
        data = where.read_bytes()
    except FileNotFoundError:
        raise InvalidManifestError(
            f"{where} is missing: every plugin folder needs a plugin.json manifest."
        ) from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise InvalidManifestError(f"{where} is larger than {MAX_MANIFEST_BYTES} bytes.")
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidManifestError(f"{where} is not valid JSON: {exc}.") from None
    default_config = _read_default_config(plugin_dir)
    manifest = parse_manifest(raw, default_config=default_config, source=str(where))
    if expected_id is not None and manifest.plugin_id != expected_id:
        raise InvalidManifestError(
            f"{where} declares plugin_id {manifest.plugin_id!r} but the folder is named "
            f"{expected_id!r}: the two must be equal."
        )
    return manifest


def parse_manifest(
    raw: Any, *, default_config: dict[str, Any] | None = None, source: str = "plugin.json"
) -> Manifest:
    """Validate a manifest object; every problem is an InvalidManifestError naming the field."""
    if not isinstance(raw, dict):
        raise InvalidManifestError(f"{source} must contain a JSON object.")
    errors = schema_errors(_manifest_validator(), raw)
    if errors:
        listing = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:10])
        raise InvalidManifestError(f"{source} is invalid: {listing}.")
    try:
        check_plugin_id(raw["plugin_id"])
    except InvalidPluginIdError as exc:  # e.g. a reserved id: still a manifest problem
        raise InvalidManifestError(f"{source}: {exc.message}") from None
    try:
        Version(raw["version"])
    except InvalidVersion:
        raise InvalidManifestError(
            f"{source}: version {raw['version']!r} is not a PEP 440 version (e.g. '1.2.0')."
        ) from None

    config_schema = raw.get("config_schema") or {"type": "object"}
    problem = check_schema(config_schema)
    if problem:
        raise InvalidManifestError(
            f"{source}: config_schema is not a valid JSON Schema: {problem}."
        )
    config_validator = compile_schema(config_schema)

    hooks = {name: _hook_spec(name, spec, source) for name, spec in raw.get("hooks", {}).items()}
    default_config = default_config or {}
    complete = apply_defaults(config_schema, default_config)
    bad = schema_errors(config_validator, complete)
    if bad:
        listing = "; ".join(f"{e['path']}: {e['message']}" for e in bad[:10])
        raise InvalidManifestError(
            f"{source}: config/default.json does not satisfy config_schema: {listing}."
        )
    return Manifest(
        raw=raw,
        hooks=hooks,
        config_schema=config_schema,
        default_config=default_config,
        config_validator=config_validator,
    )


def _hook_spec(name: str, spec: dict[str, Any], source: str) -> HookSpec:
    validator = None
    parameters = spec.get("parameters")
    if parameters is not None:
        problem = check_schema(parameters)
        if problem:
            raise InvalidManifestError(
                f"{source}: hooks.{name}.parameters is not a valid JSON Schema: {problem}."
            )
        validator = compile_schema(parameters)
        example = spec.get("example")
        if example is not None:
            bad = schema_errors(validator, example)
            if bad:
                raise InvalidManifestError(
                    f"{source}: hooks.{name}.example does not match its parameters: "
                    f"{bad[0]['path']}: {bad[0]['message']}."
                )
    return HookSpec(
        name=name,
        description=spec.get("description", ""),
        parameters=parameters,
        returns=spec.get("returns"),
        example=spec.get("example"),
        validator=validator,
    )


def _read_default_config(plugin_dir: Path) -> dict[str, Any]:
    path = plugin_dir / DEFAULT_CONFIG_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidManifestError(f"{path} is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise InvalidManifestError(f"{path} must contain a JSON object.")
    return data
