"""The versioned French synonym and acronym groups (synonyms.txt), as both engines need them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from search.text import tokens

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


@dataclass(frozen=True)
class Synonyms:
    """Equivalence groups of folded phrases (tuples of words), with a lookup from phrase to its group."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    lookup: dict[tuple[str, ...], int] = field(default_factory=dict)
    longest: int = 1

    def equivalents(self, phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """Every phrase of the group holding `phrase` (itself first), or just itself."""
        index = self.lookup.get(phrase)
        if index is None:
            return (phrase,)
        return (phrase, *(p for p in self.groups[index] if p != phrase))


def parse_synonyms(text: str) -> Synonyms:
    """Read the synonyms file format: one comma-separated group a line, '#' starts a comment."""
    groups: list[tuple[tuple[str, ...], ...]] = []
    lookup: dict[tuple[str, ...], int] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        phrases = tuple(dict.fromkeys(tuple(tokens(entry)) for entry in line.split(",") if tokens(entry)))
        if len(phrases) < 2:
            continue
        for phrase in phrases:
            lookup.setdefault(phrase, len(groups))
        groups.append(phrases)
    longest = max((len(p) for p in lookup), default=1)
    return Synonyms(tuple(groups), lookup, longest)


@cache
def default_synonyms() -> Synonyms:
    """The synonyms shipped with the hub."""
    return parse_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))


def meili_synonyms(synonyms: Synonyms) -> dict[str, list[str]]:
    """The same groups in Meilisearch's multi-way form: each phrase maps to all the others."""
    out: dict[str, list[str]] = {}
    for group in synonyms.groups:
        words = [" ".join(p) for p in group]
        for word in words:
            out[word] = [w for w in words if w != word]
    return out
