"""link_checker: built-in 1.0.0 and catalogue 1.2.0."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR, SOURCES_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(PLUGINS_DIR / "link_checker")


async def risks_of(plugin, content: str, is_html: bool | None = None) -> list[str]:
    result = await plugin.check_links(content, is_html)
    assert len(result["links"]) == 1, result
    return result["links"][0]["risks"]


async def test_safe_links(plugin) -> None:
    result = await plugin.execute_hook(
        "check_links",
        email_content="Docs at https://docs.python.org/3/ and https://www.paypal.com.",
    )
    assert result["verdict"] == "safe" and result["risk_score"] == 0
    assert [link["host"] for link in result["links"]] == ["docs.python.org", "www.paypal.com"]


async def test_paypa1_lookalike(plugin) -> None:
    assert "brand_lookalike:paypal" in await risks_of(plugin, "Log in at https://paypa1.com/login")
    assert "brand_lookalike:microsoft" in await risks_of(plugin, "https://rnicrosoft-support.com/")


@pytest.mark.parametrize(
    ("url", "risk"),
    [
        ("http://192.168.10.5/login", "ip_address_host"),
        ("https://xn--pypal-4ve.com/", "punycode_host"),
        ("https://bit.ly/3xYz", "url_shortener"),
        ("https://prize-claim.xyz/now", "suspicious_tld"),
        ("https://www.bank.example@evil.example/", "userinfo_in_url"),
        ("http://example.org/", "insecure_http"),
        ("https://example.org:8443/", "non_standard_port"),
    ],
)
async def test_risks(plugin, url: str, risk: str) -> None:
    assert risk in await risks_of(plugin, f"see {url} today")


async def test_anchor_text_mismatch_is_dangerous(plugin) -> None:
    html = '<a href="http://paypa1-secure.xyz/login">https://www.paypal.com/signin</a>'
    result = await plugin.check_links(html)
    assert result["verdict"] == "dangerous"
    link = result["links"][0]
    assert link["anchor_text"] == "https://www.paypal.com/signin"
    assert "anchor_mismatch" in link["risks"]
    honest = await plugin.check_links('<a href="https://www.paypal.com/x">paypal.com</a>', True)
    assert honest["verdict"] == "safe"


async def test_thresholds_from_config(plugin) -> None:
    await plugin.initialize({"suspicious_threshold": 1, "dangerous_threshold": 2})
    assert (await plugin.check_links("http://example.org"))["verdict"] == "suspicious"


async def test_version_1_2_0_adds_subdomain_and_redirect_risks(load_plugin) -> None:
    new = load_plugin(SOURCES_DIR / "link_checker" / "1.2.0")
    risks = await risks_of(new, "https://paypal.com.account-check.net/verify")
    assert "brand_in_subdomain:paypal" in risks
    risks = await risks_of(new, "https://t.example/r?url=https://evil.example/")
    assert "redirect_parameter" in risks
    old = load_plugin(PLUGINS_DIR / "link_checker")
    assert not await risks_of(old, "https://t.example/r?url=https://evil.example/")
