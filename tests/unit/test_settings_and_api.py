"""Settings from the environment, the public API surface, and dependency checks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import plugin_admin
from plugin_admin import PluginManager, PluginSecurityLevel, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_seed_configuration(monkeypatch):
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=None)
    assert settings.plugins_dir == Path("./plugins")
    assert settings.plugin_data_dir == Path("./data/plugins")
    assert settings.plugin_security_level is PluginSecurityLevel.STANDARD
    assert settings.plugin_sandbox_enabled is True
    assert settings.plugin_timeout_seconds == 30
    assert settings.plugin_auto_update is False
    assert settings.plugin_update_check_interval == 86400
    assert settings.plugin_max_memory_mb == 100
    assert settings.plugin_max_execution_time == 10
    assert settings.plugin_max_file_size_mb == 50
    assert settings.plugin_admin_host == "127.0.0.1" and settings.plugin_admin_port == 7860
    assert settings.plugin_admin_username == "admin"


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("PLUGIN_TIMEOUT_SECONDS", "-1", "> 0"),
        ("PLUGIN_SECURITY_LEVEL", "root", "trusted, standard, sandboxed"),
        ("PLUGIN_SANDBOX_ENABLED", "maybe", "true or false"),
        ("PLUGIN_ADMIN_PORT", "99999", "<= 65535"),
    ],
)
def test_invalid_values_name_the_variable_and_what_is_accepted(
    monkeypatch, variable, value, accepted
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert variable in caught.value.message
    assert accepted in caught.value.message


def test_env_file_and_comma_separated_allowlist(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "PLUGIN_MAX_EXECUTION_TIME=3\nPLUGIN_NETWORK_ALLOWLIST=api.example.com, Mail.Example.org\n"
    )
    settings = load_settings()
    assert settings.plugin_max_execution_time == 3
    assert settings.plugin_network_allowlist == ["api.example.com", "mail.example.org"]


def test_cli_stops_with_a_clear_message_on_a_bad_setting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "plugin_admin.cli", "list"],
        env={
            "PATH": "/usr/bin:/bin",
            "PLUGIN_SECURITY_LEVEL": "root",
            "PLUGIN_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "PLUGIN_SECURITY_LEVEL='root'" in result.stderr


def test_every_setting_is_documented_in_env_example():
    text = (ROOT / "config" / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", text, flags=re.M))
    missing = {name.upper() for name in Settings.model_fields} - documented
    assert not missing, f"document these in config/.env.example: {sorted(missing)}"


def test_public_api_is_complete():
    exported = set(plugin_admin.__all__)
    for name in (
        "PluginManager",
        "PluginInterface",
        "PluginMetadata",
        "PluginSecurityLevel",
        "PluginStatus",
        "Settings",
    ):
        assert name in exported
    errors = {n for n in dir(plugin_admin.errors) if n.endswith(("Error", "Denied"))}
    assert errors <= exported, f"export these errors: {sorted(errors - exported)}"
    for name in exported:
        assert hasattr(plugin_admin, name)


def test_manager_accepts_a_plugins_dir_like_the_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("PLUGIN_DATA_DIR", str(tmp_path / "data"))
    manager = PluginManager(plugins_dir=tmp_path / "custom_plugins")
    assert manager.plugins_dir == tmp_path / "custom_plugins"
    manager.security_level = PluginSecurityLevel.SANDBOXED
    manager.max_execution_time = 15
    assert manager.settings.plugin_security_level is PluginSecurityLevel.SANDBOXED
    assert manager.settings.plugin_max_execution_time == 15


async def test_dependencies_report_missing_and_wrong_versions(make_plugin, start_manager):
    make_plugin(
        "needy",
        manifest={
            "dependencies": [
                "jsonschema>=1.0",
                "surely-not-installed-pkg>=1",
                "packaging<1.0",
                "not a requirement!!",
            ]
        },
    )
    manager = await start_manager()
    report = await manager.validate_plugin_dependencies("needy")
    assert report["satisfied"] is False
    by_req = {item["requirement"]: item for item in report["requirements"]}
    assert by_req["jsonschema>=1.0"]["ok"] and by_req["jsonschema>=1.0"]["installed"]
    assert "not installed" in by_req["surely-not-installed-pkg>=1"]["problem"]
    assert "<1.0 is required" in by_req["packaging<1.0"]["problem"]
    assert "not a valid requirement" in by_req["not a requirement!!"]["problem"]
    with pytest.raises(plugin_admin.DependencyError, match="surely-not-installed-pkg"):
        await manager.load_plugin("needy")
