"""Turn what a person typed into word groups with weighted alternatives (synonyms, prefixes, typos); pure."""

from __future__ import annotations

from dataclasses import dataclass

from search.errors import InvalidQuery
from search.synonyms import Synonyms
from search.text import STOPWORDS, TOKEN, fold
from search.vocabulary import Vocabulary

MAX_QUERY_CHARS = 200  # longer input is cut at a word boundary: nobody types more in a search box
MAX_WORD_GROUPS = 10  # Meilisearch also ignores words past the tenth
MAX_PREFIX_COMPLETIONS = 40
MIN_PREFIX_LETTERS = 2

# Relative weight of how a document matched a word: as typed (or a synonym) > completed prefix > typo.
EXACT, PREFIX, TYPO = 1.0, 0.8, 0.5
RARE_WORD_DOCS = 3  # a word in fewer documents than this may well be a typo: also look for near words


@dataclass(frozen=True)
class Alternative:
    """One way to match a word group: all these words in the same field."""

    words: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class WordGroup:
    """A query word (or a synonym phrase) and every way a document may match it."""

    label: str
    alternatives: tuple[Alternative, ...]
    prefix: str | None = None  # set on the last word while typing, for highlighting

    def highlight_terms(self) -> set[str]:
        """Folded words to mark in snippets."""
        return {w for alt in self.alternatives for w in alt.words if w not in STOPWORDS}


@dataclass(frozen=True)
class QueryPlan:
    """Every word group of a query; empty means "no text, browse with filters"."""

    groups: tuple[WordGroup, ...]

    @property
    def is_empty(self) -> bool:
        """True when the query has no searchable word."""
        return not self.groups

    def highlight_terms(self) -> frozenset[str]:
        """All folded words worth marking in a snippet."""
        return frozenset(w for g in self.groups for w in g.highlight_terms())

    def highlight_prefixes(self) -> tuple[str, ...]:
        """Prefixes being typed (for marking completed words)."""
        return tuple(g.prefix for g in self.groups if g.prefix)


def clean_query_text(text: object) -> str:
    """Check the type and cap the length of raw query text."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidQuery("La recherche doit être un texte.")
    text = text.replace("\x00", " ")
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return text


def plan_query(
    text: object,
    vocabulary: Vocabulary,
    synonyms: Synonyms,
    *,
    as_you_type: bool = True,
    completions: int = MAX_PREFIX_COMPLETIONS,
) -> QueryPlan:
    """Plan a query: synonyms first (longest phrase wins), then prefix completion of the last word, then typos."""
    raw = clean_query_text(text)
    words = TOKEN.findall(fold(raw))
    # The last word is still being typed unless the text ends with a separator.
    typing_last = as_you_type and bool(raw) and not raw[-1].isspace() and bool(words)
    groups: list[WordGroup] = []
    i = 0
    while i < len(words) and len(groups) < MAX_WORD_GROUPS:
        span = _synonym_span(words, i, synonyms)
        if span > 1 or (span == 1 and (words[i],) in synonyms.lookup):
            phrase = tuple(words[i : i + span])
            alts = tuple(Alternative(_content_words(p), EXACT) for p in synonyms.equivalents(phrase))
            groups.append(WordGroup(" ".join(phrase), alts))
            i += span
            continue
        word = words[i]
        is_last = i == len(words) - 1
        i += 1
        if word in STOPWORDS and not (is_last and typing_last):
            continue
        groups.append(_word_group(word, vocabulary, prefix=is_last and typing_last, completions=completions))
    if not groups and words:
        # Only function words ("de la"): search them as typed rather than returning everything.
        groups = [WordGroup(w, (Alternative((w,), EXACT),)) for w in words[:MAX_WORD_GROUPS]]
    return QueryPlan(tuple(groups))


def _synonym_span(words: list[str], start: int, synonyms: Synonyms) -> int:
    for length in range(min(synonyms.longest, len(words) - start), 0, -1):
        if tuple(words[start : start + length]) in synonyms.lookup:
            return length
    return 0


def _content_words(phrase: tuple[str, ...]) -> tuple[str, ...]:
    kept = tuple(w for w in phrase if w not in STOPWORDS)
    return kept or phrase


def _word_group(word: str, vocabulary: Vocabulary, *, prefix: bool, completions: int) -> WordGroup:
    alts: dict[str, Alternative] = {word: Alternative((word,), EXACT)}
    if prefix and len(word) >= MIN_PREFIX_LETTERS:
        for completed in vocabulary.completions(word, completions):
            alts.setdefault(completed, Alternative((completed,), PREFIX))
    if vocabulary.count(word) < RARE_WORD_DOCS and len(alts) == 1:
        for near, _typos in vocabulary.corrections(word):
            alts.setdefault(near, Alternative((near,), TYPO))
    return WordGroup(word, tuple(alts.values()), prefix=word if prefix and len(word) >= MIN_PREFIX_LETTERS else None)
