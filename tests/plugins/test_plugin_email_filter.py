"""email_filter_plugin: built-in 1.0.0 and catalogue 1.1.0."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR, SOURCES_DIR

BUILTIN = PLUGINS_DIR / "email_filter_plugin"
V110 = SOURCES_DIR / "email_filter_plugin" / "1.1.0"


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(BUILTIN)


async def test_seed_example_is_spam(plugin) -> None:
    result = await plugin.execute_hook(
        "filter_email",
        email_content="Check out this amazing offer!",
        metadata={"sender": "spam@example.com", "subject": "You won a lottery!"},
    )
    assert result["is_spam"] is True
    assert result["spam_score"] == 3
    assert result["action"] == "flag"
    assert "[FILTERED]" in result["filtered_content"]
    assert "amazing offer" not in result["filtered_content"]


async def test_seed_minimal_call_works(plugin) -> None:
    result = await plugin.execute_hook("filter_email", email_content="Spam content here")
    assert result == {
        "is_spam": False,
        "spam_score": 0,
        "threshold": 2,
        "action": "allow",
        "matched_rules": [],
        "filtered_content": "Spam content here",
    }


async def test_ham_is_allowed_unchanged(plugin) -> None:
    text = "Hi Sam, the minutes of Tuesday's meeting are attached. Thanks, Lee"
    result = await plugin.filter_email(text, {"sender": "lee@corp.example", "subject": "Minutes"})
    assert result["action"] == "allow" and result["filtered_content"] == text


async def test_blocked_sender_domain(plugin) -> None:
    result = await plugin.filter_email("Hello", {"sender": "Bob <bob@mail.suspicious.com>"})
    assert result["is_spam"] is True and result["action"] == "block"
    assert result["matched_rules"][0]["type"] == "sender_domain"


async def test_sensitivity_changes_threshold(plugin) -> None:
    await plugin.initialize({"sensitivity": "high"})
    assert (await plugin.filter_email("A limited time offer for you"))["is_spam"] is True
    await plugin.initialize({"sensitivity": "low"})
    assert (await plugin.filter_email("A limited time offer for you"))["is_spam"] is False


async def test_seed_config_spelling_is_accepted(plugin) -> None:
    await plugin.initialize(
        {
            "filter_rules": [
                {"type": "keyword", "pattern": "lottery|winner", "action": "flag_spam"},
                {"type": "sender_domain", "pattern": "@suspicious.com", "action": "block"},
            ],
            "sensitivity": "high",
        }
    )
    result = await plugin.filter_email("You are a winner")
    assert result["action"] == "flag"


async def test_subject_regex_is_new_in_1_1_0(load_plugin) -> None:
    old = load_plugin(BUILTIN)
    with pytest.raises(ValueError, match="unknown rule type"):
        await old.initialize({"filter_rules": [{"type": "subject_regex", "pattern": "^win"}]})
    new = load_plugin(V110)
    await new.initialize(
        {"filter_rules": [{"type": "subject_regex", "pattern": r"^\$\d+", "weight": 2}]}
    )
    result = await new.filter_email("body", {"subject": "$500 for you"})
    assert result["is_spam"] is True
    assert result["matched_rules"][0]["matched_text"] == ["$500"]
    with pytest.raises(ValueError, match="invalid subject_regex"):
        await new.initialize({"filter_rules": [{"type": "subject_regex", "pattern": "("}]})


async def test_analyze_content(plugin) -> None:
    result = await plugin.execute_hook(
        "analyze_content", content="FREE MONEY!!! Visit http://a.example and www.b.example now"
    )
    assert result["word_count"] == 7
    assert result["link_count"] == 2
    assert result["exclamation_count"] == 3
    assert "free money" in result["suspicious_phrases"]
    assert "many_exclamations" in result["spam_indicators"]
    assert 0 < result["indicator_score"] <= 1


async def test_logs_through_context_when_bound(plugin) -> None:
    class Context:
        plugin_id = "email_filter_plugin"

        def __init__(self) -> None:
            self.lines: list[tuple[str, str]] = []

        def log(self, level: str, message: str) -> None:
            self.lines.append((level, message))

    context = Context()
    plugin.bind_context(context)
    await plugin.initialize({})
    await plugin.filter_email("You won the lottery, claim your prize")
    assert ("info", "email flagged (score 2, subject '')") in context.lines
