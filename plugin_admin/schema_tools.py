"""JSON Schema helpers shared by manifests, configs and hook arguments.

jsonschema validates but does not fill ``default`` values; :func:`apply_defaults` does, so a
plugin always receives a complete config. Errors come back as ``{"path", "message"}`` items
whose path is a JSON-pointer-like string ("$.filter_rules[0].action").
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError


def json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def compile_schema(schema: dict[str, Any]) -> Draft202012Validator:
    """Compile once, validate many times (hook arguments are checked on every call)."""
    return Draft202012Validator(schema)


def schema_errors(validator: Draft202012Validator, instance: Any) -> list[dict[str, str]]:
    """Every violation of the schema by ``instance``, ordered by path."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [{"path": json_path(e), "message": e.message} for e in errors]


def check_schema(schema: Any) -> str | None:
    """None if ``schema`` is a valid JSON Schema, else what is wrong with it."""
    if not isinstance(schema, dict):
        return "a schema must be a JSON object"
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: no cache key, check it the slow way
        return _first_schema_error(schema)
    return _check_schema_text(key)


@lru_cache(maxsize=1024)
def _check_schema_text(text: str) -> str | None:
    """Checking a schema against the 2020-12 meta-schema costs ~1 ms with jsonschema, and at
    start-up every manifest's config and hook schemas are checked (most are the same few,
    e.g. the default ``{"type": "object"}``): cache the verdict by canonical JSON text and
    build the meta-schema validator once (bench/README.md, case 4)."""
    return _first_schema_error(json.loads(text))


def _first_schema_error(schema: Any) -> str | None:
    error = next(iter(_meta_validator().iter_errors(schema)), None)
    if error is None:
        return None
    exc = SchemaError.create_from(error)
    return f"{exc.message} at {json_path(exc)}"


@lru_cache(maxsize=1)
def _meta_validator() -> Draft202012Validator:
    meta = Draft202012Validator.META_SCHEMA
    return Draft202012Validator(meta, format_checker=Draft202012Validator.FORMAT_CHECKER)


def apply_defaults(schema: dict[str, Any], instance: Any) -> Any:
    """A copy of ``instance`` with the schema's object-property defaults filled in."""
    result = copy.deepcopy(instance)
    _fill(schema, result)
    return result


def defaults_of(schema: dict[str, Any]) -> dict[str, Any]:
    return apply_defaults(schema, {}) if schema.get("type", "object") == "object" else {}


def _fill(schema: Any, instance: Any) -> None:
    if not isinstance(schema, dict):
        return
    if isinstance(instance, dict):
        for name, sub in schema.get("properties", {}).items():
            if not isinstance(sub, dict):
                continue
            if name not in instance and "default" in sub:
                instance[name] = copy.deepcopy(sub["default"])
            if name in instance:
                _fill(sub, instance[name])
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            _fill(schema["items"], item)
