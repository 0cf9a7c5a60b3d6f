"""Property-based tests of the marketplace index parser and the zip extractor."""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin_admin.errors import MarketplaceError, PackageError
from plugin_admin.marketplace.index import parse_index
from plugin_admin.marketplace.packages import ExtractLimits, safe_extract

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=5),
    max_leaves=25,
)
GOOD_ENTRY = {
    "plugin_id": "ok_plugin",
    "name": "OK",
    "version": "1.0.0",
    "author": "a",
    "description": "d",
    "download_url": "ok_plugin-1.0.0.zip",
    "checksum": "sha256:" + "a" * 64,
}


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_an_index_or_a_marketplace_error(data):
    try:
        parse_index(data)
    except MarketplaceError as exc:
        assert "marketplace index" in exc.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad=json_values, field=st.sampled_from(sorted(GOOD_ENTRY)), value=json_values)
def test_one_bad_entry_never_hides_the_good_ones(bad, field, value):
    mutated = dict(
        GOOD_ENTRY, plugin_id="mutated", **{field: value} if field != "plugin_id" else {}
    )
    document = {"format": 1, "plugins": [GOOD_ENTRY, bad, mutated]}
    parsed = parse_index(json.dumps(document).encode())
    assert "ok_plugin" in parsed.entries
    assert all(isinstance(line, str) and "skipped" in line for line in parsed.errors)


name_parts = st.sampled_from(
    ["a", "b", ".", "..", "/", "\\", ":", "plugin.json", "\x00", "é", "C:"]
)
member_names = st.lists(
    st.lists(name_parts, min_size=1, max_size=8).map("".join), min_size=1, max_size=6
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=member_names, with_manifest=st.booleans())
def test_extraction_refuses_or_stays_inside_the_destination(names, with_manifest):
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # duplicate names are welcome hostile input
        if with_manifest:
            archive.writestr("plugin.json", "{}")
        for name in names:
            try:
                archive.writestr(name, b"payload")
            except (ValueError, IndexError, UnicodeEncodeError):  # names zipfile cannot write
                pass
    with tempfile.TemporaryDirectory() as scratch:
        dest = Path(scratch) / "out"
        try:
            safe_extract(
                buffer.getvalue(), dest, ExtractLimits(max_files=50, max_total_bytes=10_000)
            )
        except PackageError as exc:
            assert exc.message
            return
        root = Path(scratch).resolve()
        for path in Path(scratch).rglob("*"):
            assert path.resolve().is_relative_to(root / "out")
            assert not path.is_symlink()
