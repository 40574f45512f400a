"""Duplicate projects: find likely duplicate pairs in a catalogue, check a new project, group duplicates.

A record is a mapping with `id`, `title`, `summary`, `organisation`, `region` (any may be empty or
missing) and optionally `partners`, `identifiers`, `sectors` (lists of strings). The score of a
pair reads as a probability that both records describe the same project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from hub.dedup.blocking import (
    NEIGHBOURS,
    Postings,
    candidate_pairs,
    merge_pairs,
    project_keys,
    sorted_unique,
    top_neighbours,
    uncommon,
)
from hub.dedup.corpus import RecordTable, Tokenised, Vocabulary, weighted
from hub.dedup.features import FEATURE_NAMES, pair_features, shared_words
from hub.dedup.scoring import first_logits, probabilities, reasons, sigmoid

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Record = Mapping[str, object]

# Pairs at or above this probability are shown as "doublon probable" in the product.
LIKELY_DUPLICATE_THRESHOLD = 0.5
# A new project shares keys with at most this many stored ones before scoring (the best-connected first).
MAX_CANDIDATES = 500
_RARE_WORD_REASON = 0.75  # rarity (idf / max idf) from which a shared word is worth naming
_CODE_REASON = 0.5  # same for a shared number or model code ("2024" is too common to be named)


@dataclass(frozen=True, order=True)
class Match:
    """Two records that may describe the same project: ids `a` < `b`, probability `score`, French `reasons`."""

    a: str
    b: str
    score: float
    reasons: tuple[str, ...]


class DuplicateIndex:
    """Stored projects prepared for duplicate checks: vectors, blocking keys, vocabulary, nearest neighbours."""

    def __init__(
        self,
        table: RecordTable,
        vocabulary: Vocabulary,
        regions: dict[str, int],
        postings: Postings,
        uncommon_vectors: sparse.csr_matrix,
    ):
        self.table = table
        self.vocabulary = vocabulary
        self.regions = regions
        self.postings = postings
        self.uncommon_t = sparse.csr_matrix(uncommon_vectors.T)
        i, j, _ = candidate_pairs(postings, len(table.ids))
        near = top_neighbours(uncommon_vectors, self.uncommon_t, NEIGHBOURS)
        del uncommon_vectors  # the last reference (see build): not kept alive by the index
        self.pairs = merge_pairs(len(table.ids), (i, j), near)
        self.pair_stats = shared_words(table, table, vocabulary, *self.pairs)
        # Each record's best text cosine with any candidate, the runner-up, and who holds the best.
        self.best = _best_two(len(table.ids), *self.pairs, self.pair_stats[0])
        # First-stage scores of the candidate pairs, computed on the first scores() (match_one needs none).
        self._logits: FloatArray | None = None

    @classmethod
    def build(cls, records: Sequence[Record]) -> DuplicateIndex:
        """Index `records` (the whole catalogue); costs a good part of a find_duplicates run."""
        vocabulary = Vocabulary()
        regions: dict[str, int] = {}
        table, lead = RecordTable.build(Tokenised.from_records(records), vocabulary, regions, grow=True)
        keys = project_keys(table.title_counts, table.summary_counts, lead, vocabulary.df)
        del lead  # a million projects' leads: freed before the keys are sorted
        postings = Postings.build(keys, len(table.ids))  # sorts the keys in place
        del keys
        # Built inline, so that no reference is left here: the index frees them once its neighbours are found.
        return cls(table, vocabulary, regions, postings, _neighbour_vectors(table, vocabulary))

    def __len__(self) -> int:
        return len(self.table.ids)

    def candidates(self) -> tuple[IntArray, IntArray]:
        """Row pairs (i < j) of the index worth scoring, from blocking."""
        return self.pairs

    def features(self, i: IntArray, j: IntArray) -> FloatArray:
        """Pair features (FEATURE_NAMES columns) of index rows i[k], j[k]."""
        same = i is self.pairs[0] and j is self.pairs[1]
        stats = self.pair_stats if same else None
        features = pair_features(self.table, self.table, self.vocabulary, i, j, text_stats=stats)
        features[:, _MARGIN] = _margins(self.best, i, j, features[:, _TEXT])
        return features

    def scores(self) -> FloatArray:
        """Duplicate probability of each candidate pair (aligned with `candidates()`).

        The second stage weighs each pair against the best other pair of either record.
        """
        i, j = self.pairs
        if self._logits is None:
            self._logits = first_logits(self.features(i, j))
        logits = self._logits
        return probabilities(logits, score_margins(len(self.table.ids), i, j, sigmoid(logits)))

    def duplicates(self, *, threshold: float | None = None) -> list[Match]:
        """Every pair of stored records scoring at least `threshold`, best first."""
        i, j = self.pairs
        scores = self.scores()
        keep = np.flatnonzero(scores >= _threshold(threshold))
        # Features again for the few pairs kept (their reasons): cheaper than keeping all of them in memory.
        features = self.features(i[keep], j[keep])
        found = _matches(self.table, self.table, self.vocabulary, (i[keep], j[keep]), features, scores[keep])
        return sorted(found, key=lambda m: (-m.score, m.a, m.b))

    def match_one(self, record: Record, *, threshold: float | None = None, limit: int = 5) -> list[Match]:
        """The stored records that `record` (a project being created) most likely duplicates, best first."""
        vocabulary = self.vocabulary
        query, lead = RecordTable.build(Tokenised.from_records([record]), vocabulary, self.regions, grow=False)
        text = query.text_counts(np.zeros(1, dtype=np.int64))
        keys = project_keys(query.title_counts, query.summary_counts, lead, vocabulary.df, extra_df=1)
        keyed, shared = self.postings.lookup(sorted_unique(keys.keys))
        if len(keyed) > MAX_CANDIDATES:
            # Keep the stored projects that share the most keys with the new one.
            keyed = keyed[np.lexsort((keyed, -shared))[:MAX_CANDIDATES]]
        near_vector = weighted(uncommon(text, vocabulary.df + 1), query.text_norms, vocabulary.idf)
        _, near = top_neighbours(near_vector, self.uncommon_t, NEIGHBOURS, skip_self_from=None)
        rows = sorted_unique(np.concatenate((keyed, near)))
        own_id = query.ids[0]
        rows = rows[np.array([self.table.ids[r] != own_id for r in rows.tolist()], dtype=bool)]
        zeros = np.zeros(len(rows), dtype=np.int64)
        features = pair_features(query, self.table, self.vocabulary, zeros, rows, extra_df=1)
        cosines = features[:, _TEXT]
        top1, partner, top2 = self.best
        # A stored record whose best match is the record being checked (re-checking a stored project).
        own_rows = np.array([p >= 0 and self.table.ids[p] == own_id for p in partner[rows].tolist()], dtype=bool)
        stored_other = np.where(own_rows, top2[rows], top1[rows])
        query_other = _others_best(cosines)
        features[:, _MARGIN] = cosines - np.maximum(stored_other, query_other)
        logits = first_logits(features)
        firsts = sigmoid(logits)
        # Weighed against the new project's other candidates only: a stored project that already has a
        # duplicate must not hide a third copy being typed (on 100,000 generated projects, 189 of 200 edited
        # copies were found this way, 186 when weighed against the stored projects' other pairs too).
        scores = probabilities(logits, firsts - _others_best(firsts))
        order = np.lexsort((rows, -scores))
        order = order[scores[order] >= _threshold(threshold)][:limit]
        return _matches(query, self.table, self.vocabulary, (zeros[order], rows[order]), features[order], scores[order])


_TEXT = FEATURE_NAMES.index("text_cosine")
_MARGIN = FEATURE_NAMES.index("margin")


def _neighbour_vectors(table: RecordTable, vocabulary: Vocabulary) -> sparse.csr_matrix:
    """TF-IDF rows of title + summary over uncommon words only, for the nearest-neighbour search."""
    parts = [
        weighted(uncommon(chunk, vocabulary.df), table.text_norms[start : start + chunk.shape[0]], vocabulary.idf)
        for start, chunk in table.text_chunks()
    ]
    return sparse.csr_matrix(sparse.vstack(parts, format="csr")) if parts else table.title_counts


def _best_two(n: int, i: IntArray, j: IntArray, values: FloatArray) -> tuple[FloatArray, IntArray, FloatArray]:
    """Per row: its best value over the pairs it is in, the row on the other side of it, and the second best."""
    rows = np.concatenate((i, j))
    others = np.concatenate((j, i))
    vals = np.concatenate((values, values))
    top1 = np.zeros(n)
    np.maximum.at(top1, rows, vals)
    # Ties for the best go to the lowest row, so the partner does not depend on the pair order.
    partner = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    at_best = vals == top1[rows]
    np.minimum.at(partner, rows[at_best], others[at_best])
    partner[partner == np.iinfo(np.int64).max] = -1
    top2 = np.zeros(n)
    rest = others != partner[rows]
    np.maximum.at(top2, rows[rest], vals[rest])
    return top1, partner, top2


def _margins(best: tuple[FloatArray, IntArray, FloatArray], i: IntArray, j: IntArray, values: FloatArray) -> FloatArray:
    """values[k] minus the best value that row i[k] or row j[k] has in any other pair (`best` from _best_two)."""
    top1, partner, top2 = best
    other_i = np.where(partner[i] == j, top2[i], top1[i])
    other_j = np.where(partner[j] == i, top2[j], top1[j])
    return values - np.maximum(other_i, other_j)


def score_margins(n_rows: int, i: IntArray, j: IntArray, values: FloatArray) -> FloatArray:
    """For pairs of rows (i[k], j[k]) valued values[k]: each value minus the best other value of either row."""
    return _margins(_best_two(n_rows, i, j, values), i, j, values)


def _others_best(values: FloatArray) -> FloatArray:
    """For each k, the largest of values without values[k] (0 when there is no other)."""
    if len(values) < 2:
        return np.zeros(len(values))
    order = np.argsort(-values, kind="stable")
    best, second = values[order[0]], values[order[1]]
    out = np.full(len(values), best)
    out[order[0]] = second
    return out


def _threshold(threshold: float | None) -> float:
    return LIKELY_DUPLICATE_THRESHOLD if threshold is None else threshold


def _named_words(
    left: RecordTable, right: RecordTable, a: int, b: int, vocabulary: Vocabulary
) -> tuple[list[str], str | None]:
    """The shared model codes or numbers, and the rarest shared word, worth naming in the reasons."""
    # Python sets: for a few dozen words, faster than numpy's per-call overhead (runs once per match).
    shared = sorted(set(left.words_of(a).tolist()) & set(right.words_of(b).tolist()))
    if not shared:
        return [], None
    max_idf = vocabulary.max_idf()
    by_rarity = sorted(shared, key=lambda w: (-vocabulary.idf[w], w))
    codes = [
        vocabulary.words[w] for w in by_rarity if vocabulary.strong[w] and vocabulary.idf[w] >= _CODE_REASON * max_idf
    ]
    words = [w for w in by_rarity if not vocabulary.strong[w]]
    rare = vocabulary.words[words[0]] if words and vocabulary.idf[words[0]] >= _RARE_WORD_REASON * max_idf else None
    return codes, rare


def _matches(
    left: RecordTable,
    right: RecordTable,
    vocabulary: Vocabulary,
    pairs: tuple[IntArray, IntArray],
    features: FloatArray,
    scores: FloatArray,
) -> list[Match]:
    out: list[Match] = []
    for k, (a, b) in enumerate(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)):
        a_id, b_id = left.ids[a], right.ids[b]
        if a_id == b_id:
            continue
        codes, rare = _named_words(left, right, a, b, vocabulary)
        lo, hi = sorted((a_id, b_id))
        out.append(Match(lo, hi, round(float(scores[k]), 4), reasons(features[k], codes, rare)))
    return out


def find_duplicates(records: Sequence[Record], *, threshold: float | None = None) -> list[Match]:
    """Likely duplicate pairs among `records`, best first (threshold None: LIKELY_DUPLICATE_THRESHOLD)."""
    return DuplicateIndex.build(records).duplicates(threshold=threshold)


def match_one(
    record: Record, candidates: Sequence[Record], *, threshold: float | None = None, limit: int = 5
) -> list[Match]:
    """The `candidates` that `record` most likely duplicates; for repeated checks build a DuplicateIndex once."""
    return DuplicateIndex.build(candidates).match_one(record, threshold=threshold, limit=limit)


def cluster_matches(matches: Iterable[Match]) -> list[tuple[str, ...]]:
    """Group matched ids into clusters (connected components), each sorted, clusters sorted by first id."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for match in matches:
        ra, rb = root(match.a), root(match.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(root(x), []).append(x)
    return sorted((tuple(sorted(g)) for g in groups.values() if len(g) > 1), key=lambda g: g[0])
