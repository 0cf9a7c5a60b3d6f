"""Contract checks for every plugin folder: built-ins and marketplace sources alike."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from plugin_test_helpers import (
    BUILTIN_IDS,
    MANIFEST_SCHEMA_PATH,
    PLUGINS_DIR,
    SOURCES_DIR,
    all_folders,
    folder_id,
    read_json,
    source_folders,
)

from plugin_admin import PluginInterface, PluginMetadata
from plugin_admin.manifest import read_manifest

ALLOWED_PERMISSIONS = {
    "read:emails",
    "write:emails",
    "send:emails",
    "read:attachments",
    "write:logs",
    "network",
    "storage",
}
FOLDERS = pytest.mark.parametrize("folder", all_folders(), ids=folder_id)


def validator(schema: dict) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def hook_cases() -> list[tuple[Path, str]]:
    return [
        (folder, hook)
        for folder in all_folders()
        for hook in read_json(folder / "plugin.json").get("hooks", {})
    ]


@FOLDERS
def test_manifest_is_valid(folder: Path) -> None:
    manifest = read_json(folder / "plugin.json")
    errors = list(validator(read_json(MANIFEST_SCHEMA_PATH)).iter_errors(manifest))
    assert not errors, [e.message for e in errors]
    expected_id = folder.name if folder.parent == PLUGINS_DIR else folder.parent.name
    assert manifest["plugin_id"] == expected_id
    if folder.parent != PLUGINS_DIR:
        assert manifest["version"] == folder.name
        assert manifest.get("changelog")
    assert manifest["dependencies"] == []
    assert set(manifest["permissions"]) <= ALLOWED_PERMISSIONS
    assert manifest["api_version"] == "1"
    assert isinstance(manifest["priority"], int)
    assert manifest["category"] and manifest["capabilities"] and manifest["hooks"]


@FOLDERS
def test_host_reads_manifest(folder: Path) -> None:
    """The host's own manifest reader accepts the folder (config defaults, examples ...)."""
    manifest = read_manifest(folder, expected_id=read_json(folder / "plugin.json")["plugin_id"])
    assert manifest.plugin_id == read_json(folder / "plugin.json")["plugin_id"]


@FOLDERS
def test_default_config_satisfies_schema(folder: Path) -> None:
    manifest = read_json(folder / "plugin.json")
    defaults = read_json(folder / "config" / "default.json")
    errors = list(validator(manifest["config_schema"]).iter_errors(defaults))
    assert not errors, [e.message for e in errors]
    properties = manifest["config_schema"]["properties"]
    assert set(defaults) == set(properties)
    for key, value in defaults.items():
        assert properties[key]["default"] == value, key


@pytest.mark.parametrize(
    ("folder", "hook"), hook_cases(), ids=lambda v: folder_id(v) if isinstance(v, Path) else v
)
async def test_hook_example_runs_and_matches_schemas(load_plugin, folder: Path, hook: str) -> None:
    spec = read_json(folder / "plugin.json")["hooks"][hook]
    assert spec["description"]
    parameters = spec["parameters"]
    assert parameters["type"] == "object" and parameters["additionalProperties"] is False
    example = spec["example"]
    errors = list(validator(parameters).iter_errors(example))
    assert not errors, [e.message for e in errors]

    plugin = load_plugin(folder)
    assert await plugin.initialize(read_json(folder / "config" / "default.json")) is True
    result = await plugin.execute_hook(hook, **example)
    assert isinstance(result, dict)
    assert json.loads(json.dumps(result)) == result
    if "returns" in spec:
        errors = list(validator(spec["returns"]).iter_errors(result))
        assert not errors, [e.message for e in errors]
    assert await plugin.shutdown() is True


def test_every_hook_has_an_example() -> None:
    missing = [
        f"{folder_id(folder)}:{hook}"
        for folder in all_folders()
        for hook, spec in read_json(folder / "plugin.json").get("hooks", {}).items()
        if not isinstance(spec.get("example"), dict)
    ]
    assert not missing


@FOLDERS
async def test_plugin_object_agrees_with_manifest(load_plugin, folder: Path) -> None:
    manifest = read_json(folder / "plugin.json")
    plugin = load_plugin(folder)
    assert isinstance(plugin, PluginInterface)
    metadata = plugin.get_metadata()
    assert isinstance(metadata, PluginMetadata)
    for key in ("plugin_id", "name", "version", "author", "description", "license", "tags"):
        assert getattr(metadata, key) == manifest[key], key
    assert metadata.permissions == manifest["permissions"]
    assert metadata.security_level.value == manifest["security_level"]
    assert plugin.get_required_permissions() == manifest["permissions"]
    assert plugin.get_capabilities() == manifest["capabilities"]
    with pytest.raises(ValueError, match="known hooks") as caught:
        await plugin.execute_hook("no_such_hook")
    for hook in manifest["hooks"]:
        assert hook in str(caught.value)


@FOLDERS
def test_no_third_party_imports(folder: Path) -> None:
    import ast
    import sys

    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "plugin_admin", (path, name)


def test_builtins_equal_their_catalogue_version() -> None:
    for plugin_id in BUILTIN_IDS:
        version = read_json(PLUGINS_DIR / plugin_id / "plugin.json")["version"]
        source = SOURCES_DIR / plugin_id / version
        assert source.is_dir(), f"{plugin_id} {version} missing from the catalogue sources"
        comparison = filecmp.dircmp(PLUGINS_DIR / plugin_id, source, ignore=["__pycache__"])
        stack = [comparison]
        while stack:
            current = stack.pop()
            assert not (current.left_only or current.right_only or current.diff_files), (
                plugin_id,
                current.left_only,
                current.right_only,
                current.diff_files,
            )
            stack.extend(current.subdirs.values())


def test_catalogue_offers_updates_and_marketplace_only_plugins() -> None:
    versions = {}
    for folder in source_folders():
        versions.setdefault(folder.parent.name, []).append(folder.name)
    assert sorted(versions["email_filter_plugin"]) == ["1.0.0", "1.1.0"]
    assert sorted(versions["pii_redactor"]) == ["1.0.0", "1.1.0"]
    assert sorted(versions["link_checker"]) == ["1.0.0", "1.2.0"]
    assert sorted(versions["thread_summarizer"]) == ["1.0.0", "1.1.0"]
    for plugin_id in ("signature_extractor", "out_of_office_detector", *BUILTIN_IDS):
        assert "1.0.0" in versions[plugin_id]


async def test_same_named_helper_modules_stay_isolated(load_plugin) -> None:
    """pii_redactor and attachment_policy both have a utils.py; each must get its own."""
    pii = load_plugin(PLUGINS_DIR / "pii_redactor")
    attachments = load_plugin(PLUGINS_DIR / "attachment_policy")
    assert (await pii.execute_hook("scan_pii", text="mail me: a@b.example"))["has_pii"]
    result = await attachments.execute_hook(
        "check_attachments", attachments=[{"filename": "run.exe", "size_bytes": 10}]
    )
    assert result["allowed"] is False
