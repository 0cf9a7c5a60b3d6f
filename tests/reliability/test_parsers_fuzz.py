"""Property-based tests: hostile manifests and configs give a typed error, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin_admin.errors import InvalidManifestError, InvalidPluginIdError
from plugin_admin.ids import RESERVED_IDS, check_plugin_id
from plugin_admin.manifest import parse_manifest

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

VALID = {
    "plugin_id": "fuzzed",
    "name": "Fuzzed",
    "version": "1.0.0",
    "author": "a",
    "description": "d",
}
FIELDS = [
    "plugin_id",
    "name",
    "version",
    "author",
    "description",
    "license",
    "dependencies",
    "permissions",
    "security_level",
    "tags",
    "category",
    "api_version",
    "priority",
    "hooks",
    "config_schema",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(raw=json_values)
def test_any_json_document_is_a_manifest_or_a_typed_error(raw):
    try:
        parse_manifest(raw)
    except InvalidManifestError as exc:
        assert exc.message


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), value=json_values, default_config=json_values)
def test_mutated_manifests_are_accepted_or_refused_with_a_message(field, value, default_config):
    raw = dict(VALID, **{field: value})
    config = default_config if isinstance(default_config, dict) else None
    try:
        manifest = parse_manifest(raw, default_config=config)
    except InvalidManifestError as exc:
        assert exc.message
        return
    # Whatever was accepted is usable: metadata builds and the config validates.
    manifest.metadata()
    assert manifest.config_errors(manifest.complete_config({})) == []


@settings(max_examples=200, deadline=None)
@given(config=json_values)
def test_config_validation_never_raises_for_any_value(config):
    manifest = parse_manifest(
        dict(
            VALID,
            config_schema={
                "type": "object",
                "properties": {
                    "n": {"type": "integer", "default": 1},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
            },
        )
    )
    if isinstance(config, dict):
        errors = manifest.config_errors(manifest.complete_config(config))
        assert all(e["path"].startswith("$") and e["message"] for e in errors)


@given(st.text(max_size=80) | st.sampled_from(sorted(RESERVED_IDS)))
def test_plugin_id_check_is_total(text):
    try:
        assert check_plugin_id(text) == text
    except InvalidPluginIdError as exc:
        assert "Invalid plugin id" in exc.message or "is reserved" in exc.message
