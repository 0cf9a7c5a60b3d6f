"""Every hostile or broken package is refused, and nothing is left in PLUGINS_DIR or staging."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plugin_admin import InvalidManifestError, PackageError
from plugin_admin.marketplace.packages import ExtractLimits, safe_extract
from tests.marketplace.helpers import plugin_members, single_entry_index, tree, zip_bytes
from tests.plugin_factory import write_plugin


@pytest.fixture
def good_members(tmp_path: Path) -> dict[str, Any]:
    folder = write_plugin(tmp_path / "src", "evil", version="1.0.0")
    return plugin_members(folder)


def with_members(extra: dict[str, Any]) -> Callable[[dict[str, Any]], bytes]:
    return lambda members: zip_bytes({**members, **extra})


def symlink_zip(members: dict[str, Any]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO(zip_bytes(members))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo("link", (1980, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


CASES = [
    # (id, package builder, index checksum, settings, error type, words in the message)
    ("zip-slip", with_members({"../escaped.py": "x = 1"}), "auto", {}, PackageError, "climbs out"),
    (
        "absolute-path",
        with_members({"/tmp/abs_evil.py": "x"}),
        "auto",
        {},
        PackageError,
        "absolute",
    ),
    ("symlink", symlink_zip, "auto", {}, PackageError, "symbolic link"),
    (
        "zip-bomb",
        with_members({"bomb.txt": b"\0" * 5_000_000}),
        "auto",
        {},
        PackageError,
        "zip bomb",
    ),
    (
        "too-many-files",
        with_members({f"f{i}.txt": "x" for i in range(30)}),
        "auto",
        {"plugin_max_package_files": 20},
        PackageError,
        "more than the 20",
    ),
    (
        "too-big-unpacked",
        with_members({"blob.bin": os.urandom(1_200_000)}),
        "auto",
        {"plugin_max_unpacked_mb": 1},
        PackageError,
        "byte limit",
    ),
    ("checksum-mismatch", zip_bytes, "sha256:" + "0" * 64, {}, PackageError, "Checksum mismatch"),
    ("missing-checksum", zip_bytes, None, {}, PackageError, "sha256 checksum"),
    (
        "malformed-plugin-json",
        with_members({"plugin.json": "{not json"}),
        "auto",
        {},
        InvalidManifestError,
        "not valid JSON",
    ),
    (
        "import-crashes",
        with_members({"__init__.py": "raise SystemExit('boom at import')"}),
        "auto",
        {},
        PackageError,
        "boom at import",
    ),
    (
        "import-hangs",
        with_members({"__init__.py": "import time\ntime.sleep(60)"}),
        "auto",
        {"plugin_timeout_seconds": 2},
        PackageError,
        "did not finish within 2 s",
    ),
    (
        "import-floods-output",
        with_members({"__init__.py": "import sys\nwhile True:\n    sys.stdout.write('x' * 4096)"}),
        "auto",
        {"plugin_timeout_seconds": 20},
        PackageError,
        "wrote more than 64 KiB of output",
    ),
    (
        "no-create-plugin",
        with_members({"__init__.py": "x = 1"}),
        "auto",
        {},
        PackageError,
        "create_plugin",
    ),
    (
        "not-a-zip",
        lambda members: b"PK\x03\x04 garbage",
        "auto",
        {},
        PackageError,
        "not a valid zip",
    ),
]


@pytest.mark.parametrize(
    ("build", "checksum", "overrides", "error", "words"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
async def test_hostile_package_is_refused_and_leaves_nothing(
    tmp_path, market_manager, good_members, build, checksum, overrides, error, words
):
    market = tmp_path / "hostile"
    single_entry_index(market, "evil", "1.0.0", build(good_members), checksum=checksum)
    manager = await market_manager(market, **overrides)
    with pytest.raises(error) as caught:
        await manager.install_plugin("evil")
    assert words in caught.value.message
    assert tree(manager.plugins_dir) == []
    assert tree(manager.plugins_dir.parent / ".plugin-admin-staging") == []
    assert not (tmp_path / "escaped.py").exists() and not Path("/tmp/abs_evil.py").exists()
    assert "evil" not in manager.plugin_ids()


@pytest.mark.parametrize(
    ("entry_id", "entry_version", "words"),
    [
        ("other", "1.0.0", "declares plugin_id 'evil'"),  # package is another plugin
        ("evil", "1.5.0", "declares version '1.0.0'"),  # package is another version
    ],
    ids=["id-mismatch", "version-mismatch"],
)
async def test_package_must_match_its_index_entry(
    tmp_path, market_manager, good_members, entry_id, entry_version, words
):
    market = tmp_path / "mismatch"
    single_entry_index(market, entry_id, entry_version, zip_bytes(good_members))
    manager = await market_manager(market)
    with pytest.raises(PackageError, match=words):
        await manager.install_plugin(entry_id)
    assert tree(manager.plugins_dir) == []


async def test_hostile_upload_is_refused(tmp_path, market_manager, good_members):
    manager = await market_manager(tmp_path / "nowhere")
    with pytest.raises(PackageError, match="climbs out"):
        await manager.install_from_zip(zip_bytes({**good_members, "../x.py": "1"}))
    assert tree(manager.plugins_dir) == []
    assert tree(manager.plugins_dir.parent / ".plugin-admin-staging") == []


def test_both_layouts_extract_the_same(tmp_path, good_members):
    nested = {f"evil-1.0.0/{name}": body for name, body in good_members.items()}
    safe_extract(zip_bytes(good_members), tmp_path / "root", ExtractLimits())
    safe_extract(zip_bytes(nested), tmp_path / "nested", ExtractLimits())
    assert tree(tmp_path / "root") == tree(tmp_path / "nested") == sorted(good_members)


def test_a_package_without_plugin_json_is_refused(tmp_path):
    with pytest.raises(PackageError, match="holds no plugin.json"):
        safe_extract(zip_bytes({"a/x.py": "1", "b/y.py": "2"}), tmp_path / "x", ExtractLimits())


ESCAPE = """
from pathlib import Path
try:
    Path({target!r}).write_text("written at import")
except OSError:
    pass
"""


@pytest.mark.parametrize(
    ("level", "escapes"),
    [("standard", True), ("sandboxed", False)],
    ids=["standard-imports-on-host", "sandboxed-imports-in-bubblewrap"],
)
async def test_sandboxed_package_is_test_imported_inside_the_sandbox(
    tmp_path, market_manager, level, escapes
):
    target = tmp_path / "written_by_probe.txt"
    folder = write_plugin(
        tmp_path / "src",
        "probed",
        preamble=ESCAPE.format(target=str(target)),
        manifest={"security_level": level},
    )
    market = tmp_path / "market"
    single_entry_index(market, "probed", "1.0.0", zip_bytes(plugin_members(folder)))
    manager = await market_manager(market)
    result = await manager.install_plugin("probed")
    assert result["capabilities"] == ["testing"]  # create_plugin() ran in both cases
    assert target.exists() is escapes


async def test_without_bubblewrap_a_sandboxed_package_is_checked_without_importing(
    tmp_path, market_manager, monkeypatch
):
    from plugin_admin.sandbox import isolation

    monkeypatch.setattr(isolation, "probe_bwrap", lambda: (False, "no bubblewrap in this test"))
    hang = write_plugin(
        tmp_path / "src", "hangs", preamble="time.sleep(60)",
        manifest={"security_level": "sandboxed"},
    )  # fmt: skip
    single_entry_index(tmp_path / "m1", "hangs", "1.0.0", zip_bytes(plugin_members(hang)))
    manager = await market_manager(tmp_path / "m1", plugin_timeout_seconds=2)
    assert (await manager.install_plugin("hangs"))["status"] == "installed"  # never imported

    other = write_plugin(tmp_path / "src", "nofactory", manifest={"security_level": "sandboxed"})
    members = {**plugin_members(other), "__init__.py": "x = 1\n"}
    single_entry_index(tmp_path / "m2", "nofactory", "1.0.0", zip_bytes(members))
    manager.settings = manager.settings.model_copy(
        update={"plugin_marketplace_url": str(tmp_path / "m2")}
    )
    with pytest.raises(PackageError, match="must define create_plugin"):
        await manager.install_plugin("nofactory")


async def test_download_over_the_size_cap_is_refused(tmp_path, market_manager, good_members):
    from tests.marketplace.helpers import served

    big = {**good_members, "blob.bin": os.urandom(1_500_000)}
    market = tmp_path / "big"
    single_entry_index(market, "evil", "1.0.0", zip_bytes(big))
    with served(market) as url:
        manager = await market_manager(url, plugin_max_file_size_mb=1)
        with pytest.raises(PackageError, match="over the 1048576 byte limit"):
            await manager.install_plugin("evil")
    assert tree(manager.plugins_dir) == []
    with pytest.raises(PackageError, match="PLUGIN_MAX_FILE_SIZE_MB"):
        await manager.install_from_zip(zip_bytes(big))


def test_members_with_permission_bits_only_are_ordinary_files(tmp_path: Path) -> None:
    # zipfile.writestr(name, data) stores mode 0o600 with no file-type bits: a plain file.
    package = zip_bytes({"plugin.json": "{}", "__init__.py": ""}, mode=0o600)
    safe_extract(package, tmp_path / "out", ExtractLimits())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["__init__.py", "plugin.json"]


def test_a_member_inside_a_file_is_a_package_error(tmp_path: Path) -> None:
    package = zip_bytes({"plugin.json": "{}", "a": "file", "a/b": "inside a file"})
    with pytest.raises(PackageError, match="inside another member that is a file"):
        safe_extract(package, tmp_path / "out", ExtractLimits())
