"""The shared formatting helpers: what every tab shows for times, tables, secrets, diffs."""

from __future__ import annotations

from plugin_admin.ui import formatting as fmt
from tests.ui.conftest import SECRET_SCHEMA


def test_time_ago_reads_like_a_person_would_say_it() -> None:
    now = 1_000_000.0
    assert fmt.time_ago(None) == "never"
    assert fmt.time_ago(now - 2, now=now) == "just now"
    assert fmt.time_ago(now - 42, now=now) == "42 s ago"
    assert fmt.time_ago(now - 180, now=now) == "3 min ago"
    assert fmt.time_ago(now - 7200, now=now) == "2 h ago"
    assert fmt.time_ago(now - 86400, now=now) == "1 day ago"
    assert fmt.time_ago(now - 3 * 86400, now=now) == "3 days ago"
    assert fmt.age_text(125) == "2 min ago"


def test_secret_fields_are_masked_and_restored_when_left_untouched() -> None:
    stored = {"threshold": 3, "mode": "fast", "api_key": "s3cret"}
    masked = fmt.mask_secrets(stored, SECRET_SCHEMA)
    assert masked["api_key"] == fmt.MASK and "s3cret" not in fmt.pretty_json(masked)
    assert stored["api_key"] == "s3cret"  # the stored dict is not modified
    edited = {**masked, "threshold": 5}
    assert fmt.unmask_secrets(edited, stored, SECRET_SCHEMA) == {**stored, "threshold": 5}
    replaced = {**masked, "api_key": "new"}
    assert fmt.unmask_secrets(replaced, stored, SECRET_SCHEMA)["api_key"] == "new"


def test_nested_and_password_format_secrets_are_found() -> None:
    schema = {
        "properties": {
            "smtp": {"type": "object", "properties": {"password": {"format": "password"}}},
            "name": {"type": "string"},
        }
    }
    assert fmt.secret_paths(schema) == {("smtp", "password")}
    masked = fmt.mask_secrets({"smtp": {"password": "pw"}, "name": "x"}, schema)
    assert masked == {"smtp": {"password": fmt.MASK}, "name": "x"}


def test_diff_lists_each_changed_path_and_never_shows_a_secret() -> None:
    old = {"threshold": 3, "mode": "fast", "api_key": "old-secret"}
    new = {"threshold": 4, "mode": "fast", "api_key": "new-secret", "extra": True}
    lines = fmt.config_diff(old, new, SECRET_SCHEMA)
    assert "~ $.threshold: 3 → 4" in lines
    assert "+ $.extra: true" in lines
    assert not any("secret" in line for line in lines)
    assert fmt.config_diff(old, dict(old), SECRET_SCHEMA) == []


def test_schema_summary_names_types_choices_defaults_and_secrets() -> None:
    text = fmt.schema_summary(SECRET_SCHEMA)
    assert "**`threshold`** · _integer_" in text and "≥ 0" in text and "default `3`" in text
    assert "one of `fast`, `slow`" in text
    assert "`api_key`" in text and "secret (masked)" in text
    assert "no configuration fields" in fmt.schema_summary({})


def test_settings_secrets_are_masked_whether_set_or_not() -> None:
    masked = fmt.mask_settings(
        {"plugin_admin_password": "pw", "plugin_api_token": None, "plugin_admin_port": 7860}
    )
    assert masked["plugin_admin_password"] == fmt.MASK
    assert masked["plugin_api_token"].startswith("(not set")
    assert masked["plugin_admin_port"] == 7860
    assert not fmt.is_secret_setting("plugin_trusted_keys_dir")
    assert fmt.is_secret_setting("smtp_api_key") and fmt.is_secret_setting("webhook_secret")


def test_plugin_filter_searches_text_and_tags_and_filters_status() -> None:
    plugins = [
        {"plugin_id": "spam_filter", "name": "Spam", "status": "enabled", "tags": ["security"]},
        {"plugin_id": "tagger", "name": "Tagger", "status": "installed", "tags": []},
    ]
    assert [p["plugin_id"] for p in fmt.filter_plugins(plugins, "SECUR", "all")] == ["spam_filter"]
    assert [p["plugin_id"] for p in fmt.filter_plugins(plugins, "", "installed")] == ["tagger"]
    table = fmt.plugins_frame([{**plugins[0], "update_available": "2.0.0"}])
    assert list(table.columns) == fmt.PLUGIN_COLUMNS
    assert table.iloc[0]["Update"] == "→ 2.0.0"
