"""auto_tagger."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(PLUGINS_DIR / "auto_tagger")


async def test_newsletter_from_header(plugin) -> None:
    result = await plugin.execute_hook(
        "tag_email",
        subject="This week in tech",
        body="Top stories ...",
        headers={"List-Unsubscribe": "<mailto:leave@list.example>"},
    )
    assert result["tags"] == ["newsletter"]


@pytest.mark.parametrize(
    ("subject", "body", "sender", "tag"),
    [
        ("Invoice #4411 from Acme", "Amount due: 120 EUR", "billing@acme.example", "invoice"),
        ("Meeting: roadmap sync", "Agenda attached", "pm@corp.example", "meeting"),
        ("Your order has shipped", "Tracking number 1Z999", "ship@shop.example", "shipping"),
        (
            "Security alert",
            "New sign-in from Linux",
            "no-reply@accounts.google.com",
            "security-alert",
        ),
        ("Anna commented on your post", "See what she said", "notify@facebookmail.com", "social"),
        ("Dinner on Sunday?", "Hi mom, are we still on for dinner?", "kid@gmail.com", "personal"),
    ],
)
async def test_categories(plugin, subject: str, body: str, sender: str, tag: str) -> None:
    result = await plugin.tag_email(subject, body, sender)
    assert result["tags"][0] == tag, result


async def test_plain_mail_has_no_tags(plugin) -> None:
    result = await plugin.tag_email("Hello", "Just checking in.", "bob@corp.example")
    assert result == {"tags": [], "scores": {}, "reasons": {}}


async def test_custom_tags_and_limits(plugin) -> None:
    await plugin.initialize(
        {"tags": {"project-x": {"keywords": ["project x"], "sender_patterns": []}}, "threshold": 1}
    )
    result = await plugin.tag_email("Status", "Update on Project X", None)
    assert result["tags"] == ["project-x"] and result["scores"] == {"project-x": 1.0}


async def test_applies_tags_through_context(plugin) -> None:
    class Context:
        plugin_id = "auto_tagger"
        updates: list = []

        async def update_email(self, email_id: str, changes: dict) -> dict:
            self.updates.append((email_id, changes))
            return {"id": email_id, **changes}

    context = Context()
    plugin.bind_context(context)
    result = await plugin.tag_email("Invoice 7", "amount due", email_id="m-1")
    assert result["applied"] is True
    assert context.updates == [("m-1", {"tags": ["invoice"]})]
