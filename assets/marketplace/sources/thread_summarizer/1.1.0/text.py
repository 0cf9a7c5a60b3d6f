"""Quoted-reply stripping, sentence splitting and word-frequency sentence scoring."""

from __future__ import annotations

import re
from collections import Counter

_QUOTE_HEADER = re.compile(
    r"^(?:On .+ wrote:|Le .+ a écrit ?:|Am .+ schrieb .+:|El .+ escribió:|Il .+ ha scritto:"
    r"|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message\s*-{2,}"
    r"|From: .+|Von: .+|De : .+)\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-ZÀ-Ý0-9])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "hi",
        "hello",
        "thanks",
        "thank",
        "please",
        "regards",
        "best",
        "dear",
        "let",
        "know",
        "get",
        "got",
        "also",
        "us",
    ]
)


def strip_quoted(text: str) -> tuple[str, int]:
    """(text without quoted replies and forwarded history, number of lines removed)."""
    kept: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    for line in lines:
        if _QUOTE_HEADER.match(line.strip()):
            return "\n".join(kept).strip(), len(lines) - len(kept)
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    removed = len(lines) - len(kept)
    return "\n".join(kept).strip(), removed


def strip_signature(text: str) -> str:
    """Text before a "-- " signature delimiter line."""
    lines = text.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].rstrip() == "--":
            return "\n".join(lines[:index]).strip()
    return text


def sentences(text: str) -> list[str]:
    """Sentences of the text; blank lines and line-broken bullets also end a sentence."""
    result: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n(?=\s*[-*•]\s)", text):
        flat = " ".join(paragraph.split())
        flat = re.sub(r"^[-*•]\s+", "", flat)
        result.extend(s.strip() for s in _SENTENCE_END.split(flat) if s.strip())
    return result


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1]


def word_frequencies(sentence_list: list[str]) -> Counter[str]:
    return Counter(w for s in sentence_list for w in words(s))


def rank_sentences(sentence_list: list[str], frequencies: Counter[str]) -> list[int]:
    """Sentence indexes, best first: mean normalised frequency of the sentence's words."""
    top = max(frequencies.values(), default=1)
    scored = []
    for index, sentence in enumerate(sentence_list):
        tokens = words(sentence)
        score = sum(frequencies[t] / top for t in tokens) / len(tokens) if tokens else 0.0
        # very short sentences ("Hi John,") carry little content
        score *= min(1.0, len(tokens) / 4)
        scored.append((-score, index))
    return [index for _, index in sorted(scored)]
