"""The indexed words with their document counts: prefix completion and typo correction of query words."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Meilisearch's defaults: one typo allowed from 5 letters, two from 9.
ONE_TYPO_MIN_LETTERS = 5
TWO_TYPOS_MIN_LETTERS = 9


def allowed_typos(word: str) -> int:
    """How many typos a query word of this length tolerates."""
    if len(word) >= TWO_TYPOS_MIN_LETTERS:
        return 2
    return 1 if len(word) >= ONE_TYPO_MIN_LETTERS else 0


class Vocabulary:
    """Sorted folded words and how many documents hold each (summed over fields)."""

    def __init__(self, counts: Iterable[tuple[str, int]]) -> None:
        merged: dict[str, int] = defaultdict(int)
        for word, count in counts:
            merged[word] += count
        self.doc_counts: dict[str, int] = dict(merged)
        self.words: list[str] = sorted(merged)
        # Bucketing by first letter: Meilisearch counts a typo on the first letter double, so a one- or
        # two-typo candidate nearly always keeps it, and the bucket is ~20x smaller than the vocabulary.
        buckets: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            buckets[word[0]].append(word)
        self._buckets = dict(buckets)

    def __len__(self) -> int:
        return len(self.words)

    def count(self, word: str) -> int:
        """Documents holding this exact word (0 if unknown)."""
        return self.doc_counts.get(word, 0)

    def completions(self, prefix: str, limit: int = 30) -> list[str]:
        """The most frequent words starting with `prefix` (the prefix itself included when indexed)."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff")
        found = self.words[lo:hi]
        if len(found) > limit:
            found = sorted(found, key=lambda w: -self.doc_counts[w])[:limit]
        return found

    def corrections(self, word: str, limit: int = 8) -> list[tuple[str, int]]:
        """Indexed words within the allowed typo distance of `word`, nearest and most frequent first."""
        max_typos = allowed_typos(word)
        if not max_typos or not word:
            return []
        bucket = self._buckets.get(word[0], [])
        found = process.extract(word, bucket, scorer=Levenshtein.distance, score_cutoff=max_typos, limit=None)
        ranked = sorted(
            ((w, int(d)) for w, d, _ in found if w != word), key=lambda wd: (wd[1], -self.doc_counts[wd[0]])
        )
        return ranked[:limit]
