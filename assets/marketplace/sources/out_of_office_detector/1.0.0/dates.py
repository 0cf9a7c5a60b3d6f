"""Finding dates in auto-reply text ("back on 3 December", "until Dec 3rd, 2024", 2024-12-03)."""

from __future__ import annotations

import re
from datetime import date

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv januar jän enero ene gennaio gen januari janeiro",
        "february feb février févr fevrier februar febrero febbraio februari fevereiro fev",
        "march mar mars märz maerz marzo maart março marco",
        "april apr avril abril aprile",
        "may mai mayo maggio mei maio",
        "june jun juin juni junio giugno junho",
        "july jul juillet juil juli julio luglio julho",
        "august aug août aout agosto augustus",
        "september sep sept septembre septiembre settembre setembro",
        "october oct octobre oktober octubre ottobre okt outubro",
        "november nov novembre noviembre novembro",
        "december dec décembre decembre dezember dez diciembre dic dicembre dicembro dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)

_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_YEAR = r"(?P<year>\d{4})"
PATTERNS = (
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b{_DAY}\s+(?:de\s+)?(?P<mname>{_MONTH})\.?(?:\s+(?:de\s+)?{_YEAR})?\b", re.I),
    re.compile(rf"\b(?P<mname>{_MONTH})\.?\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.I),
    re.compile(r"\b(?P<a>[0-3]?\d)[/.](?P<b>[01]?\d)[/.](?P<year>\d{4})\b"),
)
RETURN_WORDS = re.compile(
    r"\b(back|return|returning|until|till|from|après|retour|jusqu|zurück|ab dem|bis|hasta|"
    r"vuelta|regreso|fino|ritorno|rientro|tot|terug|até|volta|regresso)\b",
    re.I,
)


def _build(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, reference: date, day_first: bool = True) -> list[tuple[date, str, int]]:
    """(date, matched text, position) for every date in the text. A date without a year is the
    next occurrence on or after ``reference``."""
    found: list[tuple[date, str, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and match.end() > start for start, end in taken):
                continue
            groups = match.groupdict()
            if "a" in groups and groups.get("a"):
                first, second = int(groups["a"]), int(groups["b"])
                day, month = (first, second) if day_first else (second, first)
            else:
                day = int(groups["day"])
                month = (
                    MONTHS[groups["mname"].lower()] if groups.get("mname") else int(groups["month"])
                )
            if groups.get("year"):
                value = _build(int(groups["year"]), month, day)
            else:
                value = _build(reference.year, month, day)
                if value is not None and value < reference:
                    value = _build(reference.year + 1, month, day)
            if value is not None:
                taken.append(match.span())
                found.append((value, match.group(0), match.start()))
    return sorted(found, key=lambda item: item[2])


def return_date(text: str, reference: date, day_first: bool = True) -> tuple[date, str] | None:
    """The date the person is back: the latest date found that is not in the past, preferring
    dates right after a word such as "back", "until", "retour", "bis"."""
    candidates = [(d, s, p) for d, s, p in find_dates(text, reference, day_first) if d >= reference]
    if not candidates:
        return None
    near_word = [(d, s) for d, s, p in candidates if RETURN_WORDS.search(text[max(0, p - 30) : p])]
    pool = near_word or [(d, s) for d, s, _ in candidates]
    return max(pool, key=lambda item: item[0])
