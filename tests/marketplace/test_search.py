"""Search, filters, sort and paging over index entries (the console and the API use these)."""

from __future__ import annotations

import pytest

from plugin_admin import InvalidInputError, VersionNotFoundError
from plugin_admin.marketplace.index import IndexEntry
from plugin_admin.marketplace.search import search_entries

CHECKSUM = "sha256:" + "a" * 64


def entry(plugin_id: str, **fields) -> dict:
    base = {
        "plugin_id": plugin_id,
        "name": plugin_id.replace("_", " ").title(),
        "author": "Team",
        "description": "",
        "tags": [],
        "category": None,
        "rating": None,
        "downloads": None,
        "last_updated": None,
        "security_level": "standard",
        "installed_version": None,
        "update_available": False,
    }
    base.update(fields)
    return base


ENTRIES = [
    entry("spam_guard", description="Blocks spam", tags=["spam", "security"], category="filtering",
          rating=4.5, downloads=100, last_updated=30.0, installed_version="1.0", update_available=True),
    entry("pii_mask", description="Masks personal data", tags=["pii", "security"],
          category="security", rating=4.9, downloads=10, last_updated=10.0, security_level="sandboxed"),
    entry("lang_id", description="Detects the language", tags=["language"], category="analysis",
          author="Linguists", downloads=500, installed_version="2.0"),
    entry("tagger", description="Auto tags mail", tags=["tags"], category="organization"),
]  # fmt: skip


def ids(results: list[dict]) -> list[str]:
    return [e["plugin_id"] for e in results]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["lang_id", "pii_mask", "spam_guard", "tagger"]),  # name order by default
        ({"query": "SPAM"}, ["spam_guard"]),  # case-insensitive, in the description
        ({"query": "linguists"}, ["lang_id"]),  # author
        ({"query": "masks data"}, ["pii_mask"]),  # every word must match
        ({"category": "Security"}, ["pii_mask"]),
        ({"tags": ["security"]}, ["pii_mask", "spam_guard"]),
        ({"tags": "security,spam"}, ["spam_guard"]),  # all tags (AND), comma string accepted
        ({"security_level": "sandboxed"}, ["pii_mask"]),
        ({"installed": "installed"}, ["lang_id", "spam_guard"]),
        ({"installed": "not_installed"}, ["pii_mask", "tagger"]),
        ({"installed": "update_available"}, ["spam_guard"]),
        ({"sort": "rating"}, ["pii_mask", "spam_guard", "lang_id", "tagger"]),  # unrated last
        ({"sort": "downloads"}, ["lang_id", "spam_guard", "pii_mask", "tagger"]),
        ({"sort": "updated"}, ["spam_guard", "pii_mask", "lang_id", "tagger"]),
        ({"limit": 2, "offset": 1}, ["pii_mask", "spam_guard"]),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_filters_and_sorts(filters, expected):
    assert ids(search_entries(ENTRIES, **filters)) == expected


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"sort": "stars"}, "Unknown sort 'stars'"),
        ({"installed": "yes"}, "Unknown installed filter 'yes'"),
        ({"limit": -1}, "zero or positive"),
    ],
    ids=["sort", "installed", "limit"],
)
def test_bad_filters_say_what_is_accepted(filters, words):
    with pytest.raises(InvalidInputError, match=words):
        search_entries(ENTRIES, **filters)


def test_ten_thousand_entries_filter_correctly():
    many = [
        entry(f"plugin_{i:05d}", category="security" if i % 7 == 0 else "other", tags=["pii"] if i % 3 == 0 else [])
        for i in range(10_000)
    ]  # fmt: skip
    found = search_entries(many, category="security", tags=["pii"], limit=10_000)
    assert ids(found) == [f"plugin_{i:05d}" for i in range(0, 10_000, 21)]


def test_versions_resolve_with_pep_440():
    item = IndexEntry.model_validate(
        {
            "plugin_id": "spam_guard",
            "name": "Spam Guard",
            "version": "1.10.0",
            "download_url": "s-1.10.0.zip",
            "checksum": CHECKSUM,
            "versions": [
                {"version": "1.9.0", "download_url": "s-1.9.0.zip", "checksum": CHECKSUM},
                {"version": "1.2", "download_url": "s-1.2.zip", "checksum": CHECKSUM},
            ],
        }
    )
    assert [v.version for v in item.all_versions()] == ["1.10.0", "1.9.0", "1.2"]  # not lexical
    assert item.resolve(None).version == "1.10.0"
    assert item.resolve("1.2.0").download_url == "s-1.2.zip"  # 1.2 == 1.2.0
    with pytest.raises(VersionNotFoundError, match=r"available: 1\.10\.0, 1\.9\.0, 1\.2"):
        item.resolve("3.0")


async def test_changing_a_result_does_not_change_the_marketplace(market_dir, market_manager):
    manager = await market_manager(market_dir)
    first = await manager.search_marketplace()
    first[0]["versions"].clear()
    first[0]["tags"].append("mine")
    (await manager.get_marketplace_plugin("alpha"))["versions"].clear()
    again = await manager.get_marketplace_plugin("alpha")
    assert len(again["versions"]) == 3 and "mine" not in again["tags"]


def test_the_newest_version_is_the_advertised_one_not_a_pre_release():
    item = IndexEntry.model_validate(
        {
            "plugin_id": "spam_guard",
            "name": "Spam Guard",
            "version": "1.10.0",
            "download_url": "s-1.10.0.zip",
            "checksum": CHECKSUM,
            "versions": [
                {"version": "2.0.0rc1", "download_url": "s-2.0.0rc1.zip", "checksum": CHECKSUM},
            ],
        }
    )
    assert item.resolve(None).version == "1.10.0"
    assert item.latest().download_url == "s-1.10.0.zip"
    assert item.resolve("2.0.0rc1").download_url == "s-2.0.0rc1.zip"  # still installable on request
