"""attachment_policy."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(PLUGINS_DIR / "attachment_policy")


def rules(result: dict, filename: str) -> set[str]:
    return {v["rule"] for v in result["violations"] if v["filename"] == filename}


async def test_double_extension_refused(plugin) -> None:
    result = await plugin.execute_hook(
        "check_attachments", attachments=[{"filename": "invoice.pdf.exe", "size_bytes": 1000}]
    )
    assert result["allowed"] is False
    assert {"blocked_extension", "double_extension"} <= rules(result, "invoice.pdf.exe")
    assert result["summary"]["blocked_files"] == ["invoice.pdf.exe"]


async def test_ordinary_attachments_allowed(plugin) -> None:
    result = await plugin.check_attachments(
        [
            {"filename": "Report Q3.PDF", "size_bytes": 200_000, "content_type": "application/pdf"},
            {"filename": "photo.jpg", "size_bytes": 3_000_000, "content_type": "image/jpeg"},
        ]
    )
    assert result == {
        "allowed": True,
        "violations": [],
        "summary": {
            "checked": 2,
            "blocked_files": [],
            "warnings": 0,
            "total_size_bytes": 3_200_000,
        },
    }


@pytest.mark.parametrize(
    ("attachment", "rule"),
    [
        ({"filename": "setup.js", "size_bytes": 10}, "blocked_extension"),
        (
            {"filename": "doc.pdf", "size_bytes": 10, "content_type": "application/zip"},
            "mime_mismatch",
        ),
        (
            {"filename": "cat.png", "size_bytes": 10, "content_type": "application/x-dosexec"},
            "executable_content",
        ),
        ({"filename": "big.zip", "size_bytes": 30 * 1024 * 1024}, "max_size"),
        ({"filename": "invoice\u202efdp.exe", "size_bytes": 10}, "deceptive_name"),
    ],
)
async def test_blocking_rules(plugin, attachment: dict, rule: str) -> None:
    result = await plugin.check_attachments([attachment])
    assert result["allowed"] is False
    assert rule in rules(result, attachment["filename"])


async def test_encrypted_archive_warns_or_blocks(plugin) -> None:
    attachment = {"filename": "salaries_encrypted.zip", "size_bytes": 5000}
    warned = await plugin.check_attachments([attachment])
    assert warned["allowed"] is True and warned["summary"]["warnings"] == 1
    await plugin.initialize({"block_encrypted_archives": True})
    blocked = await plugin.check_attachments(
        [{"filename": "a.7z", "size_bytes": 1, "encrypted": True}]
    )
    assert blocked["allowed"] is False and "encrypted_archive" in rules(blocked, "a.7z")


async def test_total_size_limit(plugin) -> None:
    files = [{"filename": f"part{i}.pdf", "size_bytes": 20 * 1024 * 1024} for i in range(3)]
    result = await plugin.check_attachments(files)
    assert result["allowed"] is False
    assert rules(result, "*") == {"max_total_size"}
