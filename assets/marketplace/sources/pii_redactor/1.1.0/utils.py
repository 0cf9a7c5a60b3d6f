"""PII detectors: regex candidates confirmed by checksums where the format has one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

KINDS = ("email", "iban", "credit_card", "ssn", "phone")  # priority order on overlaps

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?!\w)"
)

# Lengths of IBANs per country (ISO 13616) for the most common countries.
IBAN_LENGTHS = {
    "AT": 20,
    "BE": 16,
    "CH": 21,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HU": 28,
    "IE": 22,
    "IT": 27,
    "LU": 20,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SK": 24,
}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check of a digit string."""
    digits = [int(d) for d in number if d.isdigit()]
    if not digits:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 check (and the country's length when it is known)."""
    iban = candidate.replace(" ", "").upper()
    expected = IBAN_LENGTHS.get(iban[:2])
    if (expected is not None and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """US SSN structural rules: no 000/666/9xx area, no 00 group, no 0000 serial."""
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def _emails(text: str) -> Iterable[tuple[int, int]]:
    return (m.span() for m in _EMAIL.finditer(text))


def _ibans(text: str) -> Iterable[tuple[int, int]]:
    for m in _IBAN.finditer(text):
        value = m.group(0)
        # a candidate may run into the next word; try shrinking it from the right
        for end in range(len(value), 14, -1):
            if value[end - 1] != " " and iban_valid(value[:end]):
                yield m.start(), m.start() + end
                break


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield m.span()


def _ssns(text: str) -> Iterable[tuple[int, int]]:
    return (m.span() for m in _SSN.finditer(text) if ssn_valid(*m.groups()))


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        # dates and SSN-shaped numbers (an invalid SSN is still not a phone number)
        other_shape = re.fullmatch(
            r"\d{4}-\d{2}-\d{2}|\d{2}[./-]\d{2}[./-]\d{2,4}|\d{3}-\d{2}-\d{4}", m.group(0)
        )
        if 9 <= len(digits) <= 15 and not other_shape:
            yield m.span()


DETECTORS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    "email": _emails,
    "iban": _ibans,
    "credit_card": _cards,
    "ssn": _ssns,
    "phone": _phones,
}


def find_pii(text: str, kinds: Iterable[str]) -> list[Finding]:
    """Non-overlapping findings sorted by position; earlier kinds in ``KINDS`` win overlaps."""
    wanted = set(kinds)
    taken: list[Finding] = []
    for kind in KINDS:
        if kind not in wanted:
            continue
        for start, end in DETECTORS[kind](text):
            if all(end <= f.start or start >= f.end for f in taken):
                taken.append(Finding(kind, start, end))
    return sorted(taken, key=lambda f: f.start)


def mask(value: str, mask_char: str, keep_last: int) -> str:
    """Mask letters and digits, keeping separators and the last ``keep_last`` of them."""
    alnum_positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    keep = set(alnum_positions[-keep_last:]) if keep_last > 0 else set()
    return "".join(
        mask_char if ch.isalnum() and i not in keep else ch for i, ch in enumerate(value)
    )


def redact(text: str, findings: list[Finding], style: str, mask_char: str, keep_last: int) -> str:
    """Replace each finding by ``[REDACTED:KIND]`` (style "label") or a mask (style "mask")."""
    parts = []
    cursor = 0
    for finding in findings:
        parts.append(text[cursor : finding.start])
        value = text[finding.start : finding.end]
        if style == "mask":
            parts.append(mask(value, mask_char, keep_last))
        else:
            parts.append(f"[REDACTED:{finding.kind.upper()}]")
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)


def count(findings: list[Finding], kinds: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(kinds, 0)
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return counts
