"""URL extraction (plain text and HTML anchors) and host analysis helpers."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

_URL = re.compile(r"""(?:\bhttps?://|\bwww\.)[^\s<>"'`]+""", re.IGNORECASE)
_DOMAIN_TEXT = re.compile(
    r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:[/:?#]\S*)?$", re.I
)
_TRAILING = ".,;:!?)]}'\""
# Second-level labels under which registrations happen (example.co.uk, example.com.au ...).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"})


@dataclass
class Link:
    url: str
    anchor_text: str | None = None


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._open: Link | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            self._open = Link(href.strip()) if href else None
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self._open.anchor_text = " ".join("".join(self._text).split()) or None
            self.links.append(self._open)
            self._open = None


def extract_links(content: str, is_html: bool) -> list[Link]:
    """Links in order of appearance, without duplicates; anchors first for HTML."""
    links: list[Link] = []
    if is_html:
        parser = _AnchorParser()
        parser.feed(content)
        parser.close()
        links = [link for link in parser.links if link.url.lower().startswith(("http", "www."))]
        # anchors are done; what remains may hold bare URLs that mail clients make clickable
        content = re.sub(r"<a\b.*?</a\s*>", " ", content, flags=re.IGNORECASE | re.DOTALL)
        content = re.sub(r"<[^>]+>", " ", content)
    seen = {link.url for link in links}
    for match in _URL.finditer(content):
        url = match.group(0).rstrip(_TRAILING)
        if url not in seen:
            seen.add(url)
            links.append(Link(url))
    return links


def split_url(url: str) -> tuple[str, str, int | None, bool]:
    """(scheme, host, port, has_userinfo); a scheme-less ``www.`` URL is read as http."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").rstrip(".")
    return parts.scheme.lower(), host, port, "@" in parts.netloc


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # decimal / hex encoded IPv4 such as http://3232235777/ or http://0xC0A80001/
        return bool(re.fullmatch(r"\d{8,10}|0x[0-9a-f]{8}", host))
    return True


def registrable_domain(host: str) -> str:
    """example.co.uk for a.b.example.co.uk; example.com for www.example.com."""
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def domain_in_text(text: str | None) -> str | None:
    """The host an anchor text shows, when the text is itself a URL or domain name."""
    if not text:
        return None
    match = _DOMAIN_TEXT.match(text.strip())
    return match.group(1).lower().rstrip(".") if match else None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
