"""signature_extractor (marketplace only)."""

from __future__ import annotations

import pytest
from plugin_test_helpers import SOURCES_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(SOURCES_DIR / "signature_extractor" / "1.0.0")


async def test_sign_off_block(plugin) -> None:
    body = (
        "Hi Tom,\n\nContract attached.\n\nBest regards,\nMaria Gonzalez\n"
        "Senior Account Manager\nNorthwind Traders Ltd\nPhone: +1 (415) 555-0134\n"
    )
    result = await plugin.execute_hook("extract_signature", body=body)
    assert result["found"] is True and result["method"] == "sign_off"
    assert result["fields"] == {
        "name": "Maria Gonzalez",
        "title": "Senior Account Manager",
        "company": "Northwind Traders Ltd",
        "phone": "+1 (415) 555-0134",
    }


async def test_delimiter_block_ignores_quoted_reply(plugin) -> None:
    body = (
        "Thanks for the update.\n\n-- \nJohn Smith | CTO at Acme Corp\n"
        "m: +44 7700 900123 | john@acme.io\n\nOn Mon, 1 Jan 2024, Bob wrote:\n> Best regards,\n> Bob"
    )
    result = await plugin.extract_signature(body)
    assert result["method"] == "delimiter"
    assert result["fields"] == {
        "name": "John Smith",
        "title": "CTO",
        "company": "Acme Corp",
        "phone": "+44 7700 900123",
        "email": "john@acme.io",
    }


async def test_trailing_contact_lines_and_sender_fallback(plugin) -> None:
    body = "See you Monday.\nAnna Schmidt\nProduct Designer\nTel. +49 30 1234567"
    result = await plugin.extract_signature(body, sender="Anna <anna@example.de>")
    assert result["method"] == "contact_lines"
    assert result["fields"]["name"] == "Anna Schmidt"
    assert result["fields"]["email"] == "anna@example.de"


async def test_no_signature(plugin) -> None:
    assert await plugin.extract_signature("ok, sounds good") == {"found": False, "fields": {}}
