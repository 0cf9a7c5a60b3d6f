"""out_of_office_detector (marketplace only)."""

from __future__ import annotations

import pytest
from plugin_test_helpers import SOURCES_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(SOURCES_DIR / "out_of_office_detector" / "1.0.0")


async def test_english_auto_reply_with_return_date(plugin) -> None:
    result = await plugin.execute_hook(
        "detect_auto_reply",
        subject="Out of Office: Re: budget",
        body="I am out of the office and will be back on 3 December.",
        received_at="2024-11-25",
    )
    assert result["is_auto_reply"] is True and result["is_out_of_office"] is True
    assert result["return_date"] == "2024-12-03"
    assert "subject" in result["reasons"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Je suis absent du bureau. Je serai de retour le 6 janvier.", "2025-01-06"),
        ("Ich bin bis zum 14. Januar 2025 nicht im Büro.", "2025-01-14"),
        ("Estoy fuera de la oficina hasta el 2 de diciembre.", "2024-12-02"),
        ("I'm away from 1 Dec, back 2024-12-09. Limited access to email.", "2024-12-09"),
    ],
)
async def test_languages_and_dates(plugin, body: str, expected: str) -> None:
    result = await plugin.detect_auto_reply(
        body, headers={"Auto-Submitted": "auto-replied"}, received_at="2024-11-25T08:00:00"
    )
    assert result["is_auto_reply"] is True
    assert result["return_date"] == expected


async def test_headers_alone(plugin) -> None:
    result = await plugin.detect_auto_reply(
        "Your ticket was received.", headers={"X-Autoreply": "yes"}
    )
    assert result["is_auto_reply"] is True and result["is_out_of_office"] is False
    assert "return_date" not in result


async def test_normal_mail_is_not_auto_reply(plugin) -> None:
    result = await plugin.detect_auto_reply(
        "Can we move the call to 3 December?",
        subject="Re: call",
        headers={"Auto-Submitted": "no"},
        received_at="2024-11-25",
    )
    assert result == {"is_auto_reply": False, "is_out_of_office": False, "reasons": []}


async def test_bulk_precedence_is_only_a_hint(plugin) -> None:
    result = await plugin.detect_auto_reply("Weekly news", headers={"Precedence": "bulk"})
    assert result["is_auto_reply"] is False and result["reasons"] == ["header:Precedence=bulk"]
