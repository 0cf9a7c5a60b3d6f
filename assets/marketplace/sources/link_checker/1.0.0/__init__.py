"""Link Checker: phishing heuristics for the links of an email (IP hosts, punycode,
shorteners, suspicious TLDs, brand look-alikes, anchor text that lies about its target)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import urls

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)

RISK_WEIGHTS = {
    "ip_address_host": 3,
    "punycode_host": 3,
    "userinfo_in_url": 3,
    "brand_lookalike": 4,
    "anchor_mismatch": 3,
    "url_shortener": 2,
    "suspicious_tld": 2,
    "insecure_http": 1,
    "non_standard_port": 1,
    "many_subdomains": 1,
}


class LinkCheckerPlugin(PluginInterface):
    """Scores the links of an email for phishing risk."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            plugin_id=MANIFEST["plugin_id"],
            name=MANIFEST["name"],
            version=MANIFEST["version"],
            author=MANIFEST["author"],
            description=MANIFEST["description"],
            license=MANIFEST.get("license", "MIT"),
            homepage=MANIFEST.get("homepage"),
            repository=MANIFEST.get("repository"),
            dependencies=list(MANIFEST.get("dependencies", [])),
            permissions=list(MANIFEST.get("permissions", [])),
            security_level=PluginSecurityLevel(MANIFEST.get("security_level", "standard")),
            tags=list(MANIFEST.get("tags", [])),
        )

    async def initialize(self, config: dict[str, Any]) -> bool:
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        return True

    async def shutdown(self) -> bool:
        return True

    def get_capabilities(self) -> list[str]:
        return list(MANIFEST.get("capabilities", []))

    def get_required_permissions(self) -> list[str]:
        return list(MANIFEST.get("permissions", []))

    async def execute_hook(self, hook_name: str, *args: Any, **kwargs: Any) -> Any:
        handlers = {"check_links": self.check_links}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    def _lookalike(self, host: str) -> str | None:
        """The protected brand a host imitates (close but not equal to it), if any."""
        registrable = urls.registrable_domain(host)
        labels = [label for label in host.split(".")[:-1] if label]
        candidates = set(labels) | {part for label in labels for part in label.split("-")}
        for brand in self.config["protected_brands"]:
            brand = brand.lower()
            if registrable.split(".")[0] == brand:
                continue  # the brand's own domain
            limit = 1 if len(brand) <= 5 else 2
            for candidate in candidates:
                if candidate != brand and urls.edit_distance(candidate, brand) <= limit:
                    return brand
        return None

    def _risks(self, link: urls.Link) -> tuple[str, list[str]]:
        scheme, host, port, has_userinfo = urls.split_url(link.url)
        risks: list[str] = []
        if urls.is_ip(host):
            risks.append("ip_address_host")
        elif any(label.startswith("xn--") for label in host.split(".")) or not host.isascii():
            risks.append("punycode_host")
        if has_userinfo:
            risks.append("userinfo_in_url")
        if host in {s.lower() for s in self.config["shorteners"]}:
            risks.append("url_shortener")
        tld = host.rsplit(".", 1)[-1] if "." in host else ""
        if tld and tld in {t.lower().lstrip(".") for t in self.config["suspicious_tlds"]}:
            risks.append("suspicious_tld")
        if not urls.is_ip(host) and (brand := self._lookalike(host)):
            risks.append(f"brand_lookalike:{brand}")
        shown = urls.domain_in_text(link.anchor_text)
        if shown and host and urls.registrable_domain(shown) != urls.registrable_domain(host):
            risks.append("anchor_mismatch")
        if scheme == "http":
            risks.append("insecure_http")
        if port is not None and port not in (80, 443):
            risks.append("non_standard_port")
        if host.count(".") >= 4 and not urls.is_ip(host):
            risks.append("many_subdomains")
        return host, risks

    async def check_links(self, email_content: str, is_html: bool | None = None) -> dict[str, Any]:
        """Score each link; the email's risk is its riskiest link."""
        html = is_html if is_html is not None else "<a " in email_content.lower()
        links = urls.extract_links(email_content, html)[: self.config["max_links"]]
        results = []
        for link in links:
            host, risks = self._risks(link)
            score = sum(RISK_WEIGHTS[risk.split(":", 1)[0]] for risk in risks)
            entry: dict[str, Any] = {"url": link.url, "host": host, "risks": risks, "score": score}
            if link.anchor_text is not None:
                entry["anchor_text"] = link.anchor_text
            results.append(entry)
        risk_score = max((entry["score"] for entry in results), default=0)
        if risk_score >= self.config["dangerous_threshold"]:
            verdict = "dangerous"
        elif risk_score >= self.config["suspicious_threshold"]:
            verdict = "suspicious"
        else:
            verdict = "safe"
        if verdict != "safe" and self.context is not None:
            self.context.log("warning", f"{verdict} links found (risk score {risk_score})")
        return {
            "links": results,
            "link_count": len(results),
            "risk_score": risk_score,
            "verdict": verdict,
        }


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return LinkCheckerPlugin()
