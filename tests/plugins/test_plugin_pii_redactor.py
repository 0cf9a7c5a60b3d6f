"""pii_redactor (built-in = catalogue 1.1.0, with IBAN; 1.0.0 has no IBAN detection)."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR, SOURCES_DIR

BUILTIN = PLUGINS_DIR / "pii_redactor"


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(BUILTIN)


async def test_luhn_valid_card_redacted_invalid_kept(plugin) -> None:
    text = "good 4111 1111 1111 1111 bad 4111 1111 1111 1112"
    result = await plugin.execute_hook("redact_text", text=text)
    assert result["redacted_text"] == "good [REDACTED:CREDIT_CARD] bad 4111 1111 1111 1112"
    assert result["counts"]["credit_card"] == 1


async def test_iban_checked_with_mod_97(plugin) -> None:
    result = await plugin.redact_text(
        "pay to DE89 3704 0044 0532 0130 00 or DE89 3704 0044 0532 0130 01"
    )
    assert result["counts"]["iban"] == 1
    assert result["redacted_text"].startswith("pay to [REDACTED:IBAN] or DE89")


async def test_emails_phones_ssn(plugin) -> None:
    text = "Mail ann@example.com, call +1 415 555 0134, SSN 078-05-1120, not 000-12-3456."
    result = await plugin.redact_text(text)
    assert result["redacted_text"] == (
        "Mail [REDACTED:EMAIL], call [REDACTED:PHONE], SSN [REDACTED:SSN], not 000-12-3456."
    )
    spans = [(f["kind"], text[f["start"] : f["end"]]) for f in result["findings"]]
    assert spans == [
        ("email", "ann@example.com"),
        ("phone", "+1 415 555 0134"),
        ("ssn", "078-05-1120"),
    ]


async def test_mask_style_and_kind_selection(plugin) -> None:
    await plugin.initialize({"replacement_style": "mask", "kinds": ["credit_card"]})
    result = await plugin.redact_text("card 5500-0000-0000-0004 mail x@y.example")
    assert result["redacted_text"] == "card ****-****-****-0004 mail x@y.example"
    assert result["counts"] == {"credit_card": 1}


async def test_scan_reports_without_changing(plugin) -> None:
    clean = await plugin.execute_hook("scan_pii", text="Nothing personal here, order 2024-05-01.")
    assert clean["has_pii"] is False and clean["total"] == 0
    found = await plugin.scan_pii("write to me@example.org")
    assert found["has_pii"] is True and found["counts"]["email"] == 1


async def test_version_1_0_0_has_no_iban(load_plugin) -> None:
    old = load_plugin(SOURCES_DIR / "pii_redactor" / "1.0.0")
    result = await old.redact_text("IBAN GB82 WEST 1234 5698 7654 32")
    assert "iban" not in result["counts"]
    assert "GB82 WEST" in result["redacted_text"]


def test_is_sandboxed(plugin) -> None:
    assert plugin.get_metadata().security_level.value == "sandboxed"
