"""Second stage of partner suggestions: re-rank the first blend's best candidates with small boosted trees.

The first stage (``graph.PartnerGraph``) adds up graph and text signals for every actor; it cannot weigh how they
combine (a close project in text counts for more when it also shares partners, a busy actor needs more evidence
than a newcomer). The second stage looks at the best candidates only (``Weights.rerank_depth``), describes each by
a few numbers (``FEATURES``) and scores them with gradient-boosted oblivious trees: each tree asks the same yes/no
question per level ("is the best project of this organisation closer than 0.3 in text?"), so it is a small table
of 2**depth values that any reader can print. The trees are fitted once on IMI consortia (``bench/matchmaking.py --fit``, tuning
seeds only) and shipped as constants in ``ranker_model.py``; this module holds the pure arithmetic: fitting
(logistic loss, Newton leaves) and prediction.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# What the second stage knows of one candidate for one project; -1.0 marks an unknown value (no kind, no period...).
FEATURES: tuple[str, ...] = (
    "first",  # first-stage score, divided by the best candidate's
    "walk",  # RP3beta walk, scaled to the best candidate
    "nearby_text",  # members of the projects closest in text, scaled
    "profile",  # mean text similarity of the candidate's projects, scaled
    "log_degree",  # log(1 + number of projects of the candidate)
    "best_walk",  # the walk's weight on the candidate's closest project, divided by the highest over projects
    "best_text",  # text cosine of the candidate's closest project in text
    "best_text_share",  # the same divided by the closest project's cosine over all projects
    "close_projects",  # how many of the candidate's projects are among the 10 closest in text
    "linked_projects",  # share of the candidate's projects that hold at least one of the project's partners
    "best_shared",  # share of the project's partners found in the candidate's project that has most of them
    "shared_partners",  # co-participations of the candidate with the project's partners, per partner
    "same_period",  # share of the candidate's projects in the project's period (-1: period unknown)
    "same_kind",  # share of the project's partners of the candidate's kind (-1: kind unknown)
    "same_country",  # share of the project's partners in the candidate's country (-1: country unknown)
    "same_region",  # share of the project's partners in the candidate's region (-1: region unknown)
    "sector",  # sector fit, scaled
    "log_rank",  # log(1 + first-stage rank)
    "log_size",  # log(1 + number of partners of the project)
)


@dataclass(frozen=True, slots=True)
class Trees:
    """Oblivious trees: ``splits[t, l]`` = (feature, threshold) asked at level l of tree t; ``leaves[t]`` its values.

    A row goes right at a level when its feature is above the threshold; its leaf is the binary number of its
    answers (level 0 is the lowest bit). The score is ``base`` plus the leaves reached, a log-odds.
    """

    features: tuple[int, ...]  # flattened (tree, level) feature indices
    thresholds: tuple[float, ...]  # flattened (tree, level) thresholds
    leaves: tuple[float, ...]  # flattened (tree, leaf) values
    depth: int
    base: float
    _arrays: tuple[IntArray, FloatArray, FloatArray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Keep the constants as arrays once, so that a prediction does not convert them again."""
        n_trees = len(self.leaves) >> self.depth
        arrays = (
            np.asarray(self.features, dtype=np.int64).reshape(n_trees, self.depth),
            np.asarray(self.thresholds, dtype=np.float64).reshape(n_trees, self.depth),
            np.asarray(self.leaves, dtype=np.float64).reshape(n_trees, 1 << self.depth),
        )
        object.__setattr__(self, "_arrays", arrays)

    def predict(self, x: FloatArray) -> FloatArray:
        """Log-odds of each row of x (rows: candidates, columns: ``FEATURES``)."""
        feature, threshold, leaves = self._arrays
        n_trees = leaves.shape[0]
        scores = np.full(x.shape[0], self.base)
        if n_trees == 0 or x.shape[0] == 0:
            return scores
        # each tree's leaf, as an index into the flattened leaf values; all trees at once, level by level
        leaf = (np.arange(n_trees, dtype=np.int64) << self.depth)[:, None]
        by_feature = np.ascontiguousarray(x.T)
        for level in range(self.depth):
            leaf = leaf + ((by_feature[feature[:, level]] > threshold[:, level, None]).astype(np.int64) << level)
        scores += leaves.ravel()[leaf].sum(axis=0)
        return scores


def _bins(x: FloatArray, n_bins: int) -> tuple[IntArray, list[FloatArray]]:
    """Each column cut at its quantiles: bin codes per value, and the cut points (thresholds) per column."""
    codes = np.zeros(x.shape, dtype=np.int64)
    cuts: list[FloatArray] = []
    for j in range(x.shape[1]):
        edges = np.unique(np.quantile(x[:, j], np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
        cuts.append(edges)
        codes[:, j] = np.searchsorted(edges, x[:, j], side="left")  # value <= edges[b] -> bin <= b
    return codes, cuts


def fit_trees(
    x: FloatArray,
    y: FloatArray,
    *,
    rounds: int = 200,
    depth: int = 3,
    learning_rate: float = 0.1,
    l2: float = 10.0,
    n_bins: int = 32,
    min_leaf: float = 5.0,
    sample_weight: FloatArray | None = None,
    groups: IntArray | None = None,
    init: FloatArray | None = None,
) -> Trees:
    """Gradient boosting of oblivious trees, Newton steps in the leaves; y in {0, 1}.

    Without ``groups`` the loss is the logistic loss of each row. With ``groups`` (one id per row, 0 to n-1: the
    candidates of one project) it is listwise: the softmax of the scores within a group should match its positives
    (groups without positives are left out), so only the order within a group counts and ``base`` is 0.
    With ``init`` (log-odds per row, from trees fitted before) the new trees correct those scores instead of
    starting from the base rate: their ``base`` is 0 and ``joined`` adds them to the earlier trees.
    Each level picks the (feature, threshold) that most lowers the second-order loss summed over the current leaves;
    a split leaving a side with hessian below ``min_leaf`` is not considered.
    """
    weight = np.ones(len(y)) if sample_weight is None else sample_weight
    codes, cuts = _bins(x, n_bins)
    if groups is None:
        rate = float(np.average(y, weights=weight))
        base = float(np.log(rate / (1.0 - rate)))
    else:
        base = 0.0
        positives = np.bincount(groups, weights=y)[groups]
        target = np.where(positives > 0, y / np.maximum(positives, 1.0), 0.0)
        weight = np.where(positives > 0, weight, 0.0)
    if init is not None:
        base = 0.0
    margin = np.full(len(y), base) if init is None else np.array(init, dtype=np.float64)
    features: list[int] = []
    thresholds: list[float] = []
    leaves: list[float] = []
    n_features = x.shape[1]
    for _ in range(rounds):
        if groups is None:
            p = 1.0 / (1.0 + np.exp(-margin))
            g, h = (p - y) * weight, np.maximum(p * (1.0 - p), 1e-6) * weight
        else:
            top = np.full(int(groups.max()) + 1, -np.inf)
            np.maximum.at(top, groups, margin)
            e = np.exp(margin - top[groups])
            p = e / np.bincount(groups, weights=e)[groups]
            g, h = (p - target) * weight, np.maximum(p * (1.0 - p), 1e-6) * weight
        node = np.zeros(len(y), dtype=np.int64)
        for level in range(depth):
            n_nodes = 1 << level
            best_gain, best_f, best_b = -np.inf, 0, -1
            for j in range(n_features):
                n_cut = cuts[j].size
                if n_cut == 0:
                    continue
                key = node * (n_cut + 1) + codes[:, j]
                size = n_nodes * (n_cut + 1)
                gh = np.bincount(key, g, size).reshape(n_nodes, n_cut + 1)
                hh = np.bincount(key, h, size).reshape(n_nodes, n_cut + 1)
                gl, hl = np.cumsum(gh, axis=1)[:, :-1], np.cumsum(hh, axis=1)[:, :-1]  # left: bin <= b
                gt, ht = gh.sum(axis=1, keepdims=True), hh.sum(axis=1, keepdims=True)
                gr, hr = gt - gl, ht - hl
                gain = gl**2 / (hl + l2) + gr**2 / (hr + l2) - gt**2 / (ht + l2)
                gain = np.where((hl >= min_leaf) & (hr >= min_leaf), gain, 0.0).sum(axis=0)
                b = int(np.argmax(gain))
                if gain[b] > best_gain:
                    best_gain, best_f, best_b = float(gain[b]), j, b
            if best_b < 0:
                features.append(0)
                thresholds.append(np.inf)
                continue
            features.append(best_f)
            thresholds.append(float(cuts[best_f][best_b]))
            node |= (codes[:, best_f] > best_b).astype(np.int64) << level
        n_leaves = 1 << depth
        gs, hs = np.bincount(node, g, n_leaves), np.bincount(node, h, n_leaves)
        values = -learning_rate * gs / (hs + l2)
        leaves.extend(values.tolist())
        margin += values[node]
    return Trees(tuple(features), tuple(thresholds), tuple(leaves), depth, base)


def joined(first: Trees, then: Trees) -> Trees:
    """One model adding the log-odds of two (same depth): ``then`` was fitted to correct ``first``."""
    if first.depth != then.depth:
        raise ValueError("trees of different depths cannot be joined")
    return Trees(
        first.features + then.features,
        first.thresholds + then.thresholds,
        first.leaves + then.leaves,
        first.depth,
        first.base + then.base,
    )


def model_source(trees: Trees, note: str, feature_names: Sequence[str] = FEATURES) -> str:
    """Python source of ``ranker_model.py`` holding fitted trees (written by the benchmark's ``--fit``)."""

    def wrapped(values: Sequence[float] | Sequence[int]) -> str:
        if not values:
            return ""
        text = ", ".join(
            (repr(round(v, 6)) if np.isfinite(v) else "float('inf')") if isinstance(v, float) else str(v)
            for v in values
        )
        return "\n".join(textwrap.wrap(text + ",", 112, initial_indent=" " * 8, subsequent_indent=" " * 8))

    return (
        f'"""Fitted second-stage trees for partner suggestions (generated by bench/matchmaking.py --fit; do not edit).\n'
        f"\n{note}\n"
        '"""\n\n'
        "from hub.matchmaking.rerank import Trees\n\n"
        f"FEATURE_NAMES = {tuple(feature_names)!r}\n\n"
        "# fmt: off\n"
        "TREES = Trees(\n"
        f"    features=(\n{wrapped(trees.features)}\n    ),\n"
        f"    thresholds=(\n{wrapped(trees.thresholds)}\n    ),\n"
        f"    leaves=(\n{wrapped(trees.leaves)}\n    ),\n"
        f"    depth={trees.depth},\n"
        f"    base={trees.base!r},\n"
        ")\n"
        "# fmt: on\n"
    )
