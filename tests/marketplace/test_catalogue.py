"""The bundled catalogue, reproducible packing, and the publisher's command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from plugin_admin.cli import main
from plugin_admin.marketplace.catalogue import build_bundled
from plugin_admin.marketplace.index import parse_index
from plugin_admin.marketplace.packages import pack_plugin
from plugin_admin.settings import BUNDLED_MARKETPLACE, Settings
from tests.conftest import PROJECT_ROOT

# our commands without the console's (gradio is slow to import): the same parser, fewer groups
SERVE = [
    sys.executable,
    "-c",
    "import sys, plugin_admin.marketplace.cli; from plugin_admin.cli import build_parser; "
    "args = build_parser().parse_args(['marketplace', 'serve', *sys.argv[1:]]); args.run(args)",
]


def test_committed_catalogue_equals_a_rebuild_from_sources(tmp_path):
    build_bundled(tmp_path)
    committed = sorted(p.name for p in BUNDLED_MARKETPLACE.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed, (
        "assets/marketplace/catalogue is out of date: run `plugin-admin marketplace build "
        "assets/marketplace/sources assets/marketplace/catalogue --metadata "
        "assets/marketplace/catalogue.json` and commit the result"
    )
    for name in committed:
        assert (tmp_path / name).read_bytes() == (BUNDLED_MARKETPLACE / name).read_bytes(), name


def test_bundled_catalogue_is_the_default_and_has_enough_to_try():
    assert Path(Settings(_env_file=None).plugin_marketplace_url) == BUNDLED_MARKETPLACE
    index = parse_index((BUNDLED_MARKETPLACE / "index.json").read_bytes())
    assert index.errors == []
    assert len(index.entries) >= 8
    assert len({e.category for e in index.entries.values()}) >= 3
    assert sum(len(e.all_versions()) >= 2 for e in index.entries.values()) >= 3
    for entry in index.entries.values():
        for version in entry.all_versions():
            assert (BUNDLED_MARKETPLACE / version.download_url).is_file()
            assert version.changelog


def test_pack_is_reproducible(tmp_path):
    original = PROJECT_ROOT / "assets" / "marketplace" / "sources" / "email_filter_plugin" / "1.1.0"
    source = tmp_path / "1.1.0"
    shutil.copytree(original, source)
    first, manifest = pack_plugin(source, "email_filter_plugin")
    (source / "__pycache__").mkdir(exist_ok=True)  # caches are never packed
    os.utime(source / "plugin.json")  # nor do timestamps matter
    second, _ = pack_plugin(source, "email_filter_plugin")
    assert first == second and manifest.version == "1.1.0"


def cli_json(capsys, *args: str) -> tuple[int, object, str]:
    """Run ``plugin-admin ARGS`` in-process: (exit code, parsed stdout or None, stderr)."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def test_cli_builds_signs_and_installs(tmp_path, sources, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_json(capsys, "marketplace", "keygen", "pub.key", "trusted.pem")[0] == 0
    code, built, err = cli_json(
        capsys, "marketplace", "build", str(sources), "out", "--sign", "pub.key"
    )
    assert code == 0, err
    assert built["plugins"] == {"alpha": ["2.0.0", "1.1.0", "1.0.0"], "beta": ["0.1"]}
    assert (tmp_path / "out" / "index.json.sig").is_file()

    code, packed, err = cli_json(capsys, "pack", str(sources / "beta" / "0.1"), "-o", "pkgs")
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    beta = next(e for e in index["plugins"] if e["plugin_id"] == "beta")
    assert packed["checksum"] == beta["checksum"]

    for name, value in {
        "PLUGINS_DIR": tmp_path / "admin" / "plugins",
        "PLUGIN_DATA_DIR": tmp_path / "admin" / "data",
        "PLUGIN_MARKETPLACE_URL": tmp_path / "out",
        "PLUGIN_TRUSTED_KEYS_DIR": tmp_path,
        "PLUGIN_REQUIRE_SIGNED_INDEX": "true",
    }.items():
        monkeypatch.setenv(name, str(value))
    code, installed, err = cli_json(capsys, "install", "alpha", "--version", "1.0.0")
    assert code == 0 and installed["version"] == "1.0.0", err
    code, updated, err = cli_json(capsys, "update", "alpha", "--version", "1.1.0")
    assert updated["status"] == "updated", err
    code, versions, _ = cli_json(capsys, "versions", "alpha")
    assert versions["available_for_rollback"] == ["1.0.0"]
    code, _, err = cli_json(capsys, "install", "nope")
    assert code == 2 and "No plugin 'nope'" in err


def test_cli_serves_a_marketplace_on_localhost(tmp_path, market_dir):
    server = subprocess.Popen(
        [*SERVE, str(market_dir), "--port", "0"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert "at http://127.0.0.1:" in line, line
        url = line.split(" at ")[1].split(" ")[0]
        index = httpx.get(url + "index.json", timeout=5).json()
        assert [e["plugin_id"] for e in index["plugins"]] == ["alpha", "beta"]
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


SEED_EXAMPLE = """
import asyncio
from plugin_admin import PluginManager

async def main():
    # Initialize plugin manager
    manager = PluginManager()
    await manager.initialize()

    # List installed plugins
    plugins = await manager.list_plugins()
    print(f"Installed plugins: {len(plugins)}")

    # Install a plugin from marketplace
    result = await manager.install_plugin("email_filter_plugin", "1.0.0")
    print(f"Plugin installed: {result}")

    # Load the plugin
    load_result = await manager.load_plugin("email_filter_plugin")
    print(f"Plugin loaded: {load_result}")

    # Execute plugin hook
    filtered_email = await manager.execute_plugin_hook(
        "email_filter_plugin",
        "filter_email",
        email_content="Spam content here"
    )
    print(f"Filtered email: {filtered_email}")

    # Unload plugin
    await manager.unload_plugin("email_filter_plugin")
    print("Plugin unloaded")

asyncio.run(main())
"""


def test_seed_basic_plugin_management_example(tmp_path):
    """The seed's "Basic Plugin Management" example, unchanged but for the import line."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PLUGINS_DIR": str(tmp_path / "plugins"),
        "PLUGIN_DATA_DIR": str(tmp_path / "data"),
    }
    script = tmp_path / "example.py"
    script.write_text(SEED_EXAMPLE)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Installed plugins: 0"
    assert lines[1].startswith(
        "Plugin installed: {'plugin_id': 'email_filter_plugin', "
        "'status': 'installed', 'version': '1.0.0'"
    )
    assert "'status': 'loaded'" in lines[2]
    assert lines[3].startswith("Filtered email: {") and "'is_spam': False" in lines[3]
    assert lines[4] == "Plugin unloaded"
    assert (tmp_path / "plugins" / "email_filter_plugin" / "plugin.json").is_file()
