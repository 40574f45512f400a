"""Self-supervised second stage: fit the re-ranking trees on the graph's own participations when it is built.

A graph knows who took part in what; that is enough to learn how its signals combine. ``fit_own_trees`` hides a
share of the graph's own participations (only those whose actor keeps another project and whose project keeps two
partners, the ones a ranking can hope to find), builds the same graph without them, asks its first stage for each
such project's best candidates and fits the boosted trees of ``rerank`` to tell the hidden partners from the others.
The suggestions are then ranked with every participation. Nothing outside the graph is read: the trees adapt to
each network (a hub of French start-ups, European consortia) and never see what they will be asked to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from hub.matchmaking.rerank import Trees, fit_trees, joined
from hub.matchmaking.scoring import FloatArray, IntArray, best

if TYPE_CHECKING:
    from hub.matchmaking.graph import PartnerGraph


@dataclass(frozen=True, slots=True)
class Learning:
    """How the trees are fitted on the graph's own participations.

    ``share`` of the participations of up to ``max_projects`` projects is hidden ``repeats`` times (fresh draws);
    below ``min_positives`` hidden partners found among the first stage's candidates the graph is too small to
    learn from and the shipped trees (or the first stage alone) rank. A ``negatives`` share of the other candidates
    is kept, each weighing for the ones dropped (the fit then takes a few seconds on 100,000 nodes). With ``start``
    the new trees correct those (shipped) trees instead of replacing them. The tree options are those of
    ``fit_trees``. Measured on IMI (BENCHMARKS.md): neither way beat the shipped trees, hence ``Weights.learn=False``.
    """

    share: float = 0.05
    repeats: int = 6
    max_projects: int = 300
    min_positives: int = 200
    negatives: float = 0.25
    seed: int = 0
    rounds: int = 200
    depth: int = 3
    learning_rate: float = 0.05
    l2: float = 10.0
    start: Trees | None = None


def hide_own(incidence: sparse.csr_matrix, rng: np.random.Generator, learning: Learning) -> tuple[IntArray, IntArray]:
    """Participations (project, actor) to hide: in random order, each kept only if both ends keep enough others."""
    n_projects = incidence.shape[0]
    projects = np.arange(n_projects)
    if n_projects > learning.max_projects:
        projects = np.sort(rng.choice(n_projects, learning.max_projects, replace=False))
    starts, ends = incidence.indptr[projects], incidence.indptr[projects + 1]
    rows = np.repeat(projects, ends - starts)
    cols = np.concatenate([incidence.indices[s:e] for s, e in zip(starts, ends, strict=True)] or [np.zeros(0)])
    order = rng.permutation(rows.size)
    actor_left = np.asarray(incidence.getnnz(axis=0), dtype=np.int64)
    project_left = np.asarray(incidence.getnnz(axis=1), dtype=np.int64)
    target = round(learning.share * rows.size)
    kept: list[int] = []
    for i in order.tolist():
        if len(kept) >= target:
            break
        p, a = int(rows[i]), int(cols[i])
        if actor_left[a] >= 2 and project_left[p] >= 3:
            kept.append(i)
            actor_left[a] -= 1
            project_left[p] -= 1
    chosen = np.asarray(kept, dtype=np.int64)
    return rows[chosen].astype(np.int64), cols[chosen].astype(np.int64)


def without(incidence: sparse.csr_matrix, rows: IntArray, cols: IntArray) -> sparse.csr_matrix:
    """The incidence matrix with these participations removed."""
    gone = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=incidence.shape)
    left = sparse.csr_matrix(incidence - gone)
    left.eliminate_zeros()
    left.sort_indices()
    return left


def training_rows(graph: PartnerGraph, learning: Learning) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Second-stage features and labels (1.0: a hidden partner) from ``repeats`` hidings of the graph's own edges."""
    rng = np.random.default_rng(learning.seed)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    ws: list[FloatArray] = []
    for _ in range(learning.repeats):
        rows, cols = hide_own(graph.incidence, rng, learning)
        if rows.size == 0:
            break
        inner = graph.with_incidence(without(graph.incidence, rows, cols))
        for p in np.unique(rows).tolist():
            stage = inner.first_stage(p)
            chosen = best(stage.scores, stage.allowed, inner.weights.rerank_depth)
            if chosen.size == 0:
                continue
            y = np.isin(chosen, cols[rows == p]).astype(np.float64)
            # a share of the negatives stands for all of them (weighted), which keeps the fit quick on big graphs
            keep = (y > 0) | (rng.random(y.size) < learning.negatives)
            xs.append(inner.candidate_features(p, stage, chosen)[keep])
            ys.append(y[keep])
            ws.append(np.where(y[keep] > 0, 1.0, 1.0 / learning.negatives))
    if not xs:
        return np.zeros((0, 0)), np.zeros(0), np.zeros(0)
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit_own_trees(graph: PartnerGraph, learning: Learning | None = None) -> Trees | None:
    """Trees fitted on the graph's own hidden participations, or None when too few were found to learn from."""
    learning = learning or Learning()
    x, y, weight = training_rows(graph, learning)
    if y.sum() < learning.min_positives or y.sum() == y.size:
        return None
    start = learning.start
    trees = fit_trees(
        x,
        y,
        sample_weight=weight,
        init=start.predict(x) if start is not None else None,
        rounds=learning.rounds,
        depth=learning.depth,
        learning_rate=learning.learning_rate,
        l2=learning.l2,
    )
    return joined(start, trees) if start is not None else trees
