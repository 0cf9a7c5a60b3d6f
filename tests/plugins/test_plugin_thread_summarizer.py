"""thread_summarizer (marketplace only, 1.0.0 and 1.1.0)."""

from __future__ import annotations

import pytest
from plugin_test_helpers import SOURCES_DIR

THREAD = (
    "Hi all,\n\n"
    "The database migration is scheduled for Saturday night. "
    "The migration needs two hours of downtime for the orders database. "
    "Lunch was great today. "
    "Support will announce the database downtime to customers on Friday.\n\n"
    "-- \nKim, DBA team\n\n"
    "On Thu, 5 Dec 2024, Lee <lee@example.com> wrote:\n> When is the migration?\n> Lee"
)


@pytest.fixture(params=["1.0.0", "1.1.0"])
def plugin(load_plugin, request):
    return load_plugin(SOURCES_DIR / "thread_summarizer" / request.param)


async def test_summary_keeps_the_central_sentences_in_order(plugin) -> None:
    result = await plugin.execute_hook("summarize", text=THREAD, max_sentences=2)
    assert result["sentences"] == [
        "The database migration is scheduled for Saturday night.",
        "The migration needs two hours of downtime for the orders database.",
    ]
    assert result["summary"] == " ".join(result["sentences"])
    assert result["removed_quoted_lines"] == 3
    assert "Lunch" not in result["summary"]


async def test_strip_quotes(plugin) -> None:
    result = await plugin.strip_quotes("Yes, 3pm works.\n\n> Can we meet at 3pm?\n> Bob")
    assert result == {"text": "Yes, 3pm works.", "removed_lines": 2}


async def test_version_1_1_0_adds_keywords_and_signature_stripping(load_plugin) -> None:
    new = load_plugin(SOURCES_DIR / "thread_summarizer" / "1.1.0")
    result = await new.summarize(THREAD)
    assert result["keywords"][0] == "database"
    assert "DBA team" not in (await new.strip_quotes(THREAD))["text"]
    old = load_plugin(SOURCES_DIR / "thread_summarizer" / "1.0.0")
    assert "keywords" not in await old.summarize(THREAD)


async def test_empty_text(plugin) -> None:
    result = await plugin.summarize("")
    assert result["summary"] == "" and result["sentence_count"] == 0
