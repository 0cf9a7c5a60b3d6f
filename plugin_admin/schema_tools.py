"""JSON Schema helpers shared by manifests, configs and hook arguments.

jsonschema validates but does not fill ``default`` values; :func:`apply_defaults` does, so a
plugin always receives a complete config. Errors come back as ``{"path", "message"}`` items
whose path is a JSON-pointer-like string ("$.filter_rules[0].action").
"""

from __future__ import annotations

import copy
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
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"{exc.message} at {json_path(exc)}"
    return None


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
