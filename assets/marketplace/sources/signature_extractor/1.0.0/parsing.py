"""Locating a signature block at the end of an email and reading its fields."""

from __future__ import annotations

import re

SIGN_OFFS = (
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best wishes",
    "best",
    "thanks",
    "thank you",
    "many thanks",
    "cheers",
    "sincerely",
    "yours sincerely",
    "yours truly",
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "mit freundlichen grüßen",
    "viele grüße",
    "beste grüße",
    "saludos",
    "un saludo",
    "atentamente",
    "cordiali saluti",
    "distinti saluti",
    "met vriendelijke groet",
    "groeten",
    "atenciosamente",
    "abraços",
)
TITLE_WORDS = (
    "manager",
    "director",
    "engineer",
    "developer",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "founder",
    "co-founder",
    "president",
    "vp",
    "vice president",
    "head of",
    "lead",
    "officer",
    "consultant",
    "analyst",
    "specialist",
    "coordinator",
    "assistant",
    "architect",
    "designer",
    "administrator",
    "partner",
    "associate",
    "intern",
    "scientist",
    "advisor",
    "sales",
    "marketing",
    "support",
    "recruiter",
    "accountant",
    "attorney",
    "counsel",
)
COMPANY_SUFFIXES = (
    "inc",
    "inc.",
    "ltd",
    "ltd.",
    "llc",
    "gmbh",
    "ag",
    "sa",
    "s.a.",
    "sas",
    "sarl",
    "srl",
    "s.r.l.",
    "bv",
    "b.v.",
    "nv",
    "plc",
    "corp",
    "corp.",
    "corporation",
    "co.",
    "company",
    "limited",
    "group",
    "pty",
    "oy",
    "ab",
    "as",
    "kg",
)
_PHONE = re.compile(r"(?:\+|\(?\d)[\d\s().-]{7,}\d")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_WEBSITE = re.compile(r"\b(?:https?://)?(?:www\.)[\w-]+(?:\.[\w-]+)+\S*|\bhttps?://\S+", re.I)
_NAME = re.compile(
    r"^(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.|van|von|de|der|da|di|le|la)){1,3}$"
)
_QUOTE_HEADER = re.compile(
    r"^(?:On .+ wrote:|Le .+ a écrit ?:|Am .+ schrieb .+:|El .+ escribió:|-----Original Message-----)\s*$",
    re.I,
)
_LABEL = re.compile(r"^(?:tel|phone|mobile|mob|cell|fax|t|m|p|e|email|mail|w|web)\s*[.:]\s*", re.I)
MAX_SIGNATURE_LINES = 8


def strip_quoted(body: str) -> list[str]:
    """The lines written by the sender: quoted replies (``>`` and "On ... wrote:") removed."""
    lines: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.rstrip())
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _is_sign_off(line: str) -> bool:
    text = line.strip().rstrip(",.!").strip().lower()
    return text in SIGN_OFFS


def find_block(lines: list[str]) -> tuple[list[str], str] | None:
    """(signature lines, how it was found) or None."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] in ("-- ", "--"):
            block = [line for line in lines[index + 1 :] if line.strip()]
            return (block, "delimiter") if block else None
    start = max(0, len(lines) - MAX_SIGNATURE_LINES - 1)
    for index in range(len(lines) - 1, start - 1, -1):
        if _is_sign_off(lines[index]):
            block = [line for line in lines[index + 1 :] if line.strip()]
            return (block, "sign_off") if block else None
    tail = [line for line in lines[-MAX_SIGNATURE_LINES:] if line.strip()]
    contact = [i for i, line in enumerate(tail) if _PHONE.search(line) or _EMAIL.search(line)]
    if contact:
        first = contact[0]
        while (
            first > 0
            and len(tail[first - 1]) <= 60
            and not tail[first - 1].endswith((".", "?", "!"))
        ):
            first -= 1
        return tail[first:], "contact_lines"
    return None


def _segments(lines: list[str]) -> list[str]:
    """Lines split on the separators signatures use (| • ·), labels removed."""
    parts: list[str] = []
    for line in lines:
        for part in re.split(r"\s+[|•·]\s+|\s*\|\s*", line.strip()):
            if part.strip():
                parts.append(part.strip())
    return parts


def parse_fields(block: list[str]) -> dict[str, str]:
    """name, title, company, phone, email, website, as far as the block reveals them."""
    fields: dict[str, str] = {}
    for segment in _segments(block):
        lowered = segment.lower()
        unlabeled = _LABEL.sub("", segment)
        if "email" not in fields and (match := _EMAIL.search(segment)):
            fields["email"] = match.group(0)
            continue
        if "website" not in fields and (match := _WEBSITE.search(segment)):
            fields["website"] = match.group(0)
            continue
        phone = _PHONE.search(unlabeled)
        if "phone" not in fields and phone and sum(ch.isdigit() for ch in phone.group(0)) >= 7:
            fields["phone"] = " ".join(phone.group(0).split())
            continue
        if (
            "name" not in fields
            and _NAME.match(segment)
            and not any(word in lowered for word in TITLE_WORDS)
        ):
            fields["name"] = segment
            continue
        has_title_word = any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in TITLE_WORDS)
        words = re.findall(r"[\w.&'-]+", lowered)
        if "title" not in fields and has_title_word and (" at " in segment or ", " in segment):
            separator = " at " if " at " in segment else ", "
            title, _, company = segment.partition(separator)
            fields["title"] = title.strip()
            fields.setdefault("company", company.strip())
            continue
        if "company" not in fields and words and words[-1] in COMPANY_SUFFIXES:
            fields["company"] = segment
            continue
        if "title" not in fields and has_title_word:
            fields["title"] = segment
            continue
        if "name" in fields and "company" not in fields and "title" in fields:
            fields["company"] = segment
    return fields


def sender_email(sender: str) -> str | None:
    """The address of a "Name <address>" sender."""
    match = _EMAIL.search(sender)
    return match.group(0) if match else None
