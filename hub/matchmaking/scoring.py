"""Vector arithmetic behind partner suggestions: project similarity, spreading it to actors, ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts in a suggestion's score (tuned on IMI consortia, seeds 100-104).

    ``damping`` lowers the weight of very busy partners when comparing projects (sharing a big pharma company says
    less than sharing a small patient association); ``graph_power``/``text_power`` sharpen project similarity so
    the closest projects dominate; ``degree_penalty`` keeps busy actors from winning on volume alone.
    ``complement`` rewards an actor bringing a core role the consortium lacks; ``declared_need`` one the project
    asked for itself (IMI data declare no needs, so that weight is a product choice, not a tuned figure).

    Suggestions to a project add three signals to that blend (``blend`` weighs the blend itself): ``walk``, a
    three-step random walk project -> member -> project -> actor divided by the actor's degree to the power
    ``walk_beta`` (RP3beta: an actor often found next to the project's partners, busy actors discounted);
    ``nearby_text``, the members of the ``text_neighbours`` projects closest in text (similarity to the power
    ``text_power``); ``profile``, the mean text similarity of the actor's own projects to this one. On IMI
    these three replace the blend (``blend=0``), which still ranks what ``suggest_for_actor`` returns.

    With ``rerank``, the ``rerank_depth`` best actors of that sum are then re-ranked by the fitted trees of
    ``ranker_model`` (see ``rerank``), which also weigh the actor's period of activity, kind and country against
    the consortium's; the others keep their order below them. A need the project declared and the lab's
    verification are added again after re-ranking (IMI has neither, so the trees cannot weigh them). On IMI the
    period of activity (project status) and the kind mix as first-stage terms did not help (within 0.002).

    With ``learn`` the trees are (re)fitted when the graph is built, on its own participations (``learn``
    module: some are hidden, the graph without them ranks, the trees learn to find them): from the shipped trees
    (``learn_from_shipped``, a few correcting rounds) or from nothing. A graph too small to learn from keeps the
    shipped trees. On IMI neither beat the shipped trees (see BENCHMARKS.md), so it is off by default.
    """

    blend: float = 0.0
    walk: float = 1.0
    walk_beta: float = 0.2
    nearby_text: float = 1.0
    text_neighbours: int = 30
    profile: float = 0.25
    graph: float = 0.5
    text: float = 2.0
    graph_power: float = 1.0
    text_power: float = 1.5
    damping: float = 0.75
    degree_penalty: float = 0.3
    popularity: float = 0.0
    sector: float = 0.05
    territory: float = 0.1
    country: float = 0.1
    complement: float = 0.1
    declared_need: float = 0.3
    verified: float = 0.02
    rerank: bool = True
    rerank_depth: int = 150
    learn: bool = False
    learn_from_shipped: bool = True


def overlap(
    incidence: sparse.csr_matrix, by_actor: sparse.csr_matrix, weights: FloatArray, group: IntArray | None = None
) -> FloatArray:
    """For each project, the summed ``weights`` of its members (zero for actors outside the group).

    ``weights`` may have several columns (one sum per column, for the price of one pass); ``group`` lists the actors
    with non-zero weights when the caller knows them. Small groups read only their own rows; large ones (a hub's
    partners) use one full sparse product, whose cost does not depend on the group.
    """
    if group is None:
        group = np.flatnonzero(weights if weights.ndim == 1 else weights.any(axis=1))
    if (by_actor.indptr[group + 1] - by_actor.indptr[group]).sum() * 4 < incidence.nnz:
        summed = np.asarray(by_actor[group].T @ weights[group], dtype=np.float64)
    else:
        summed = np.asarray(incidence @ weights, dtype=np.float64)
    return summed.ravel() if weights.ndim == 1 else summed


def walk_to_projects(
    incidence: sparse.csr_matrix,
    by_actor: sparse.csr_matrix,
    start: FloatArray,
    inverse_degree: FloatArray,
    inverse_size: FloatArray,
    skip: int,
) -> FloatArray:
    """One step of a random walk from actors to their projects, divided by each project's size for the next step.

    ``start`` holds the probability of standing on each actor (the project's members); ``skip`` is the project
    the walk started from, left out so that the walk only reaches actors through other consortia.
    """
    reach = overlap(incidence, by_actor, start * inverse_degree) * inverse_size
    if 0 <= skip < reach.size:
        reach[skip] = 0.0
    return reach


def random_walk(
    incidence: sparse.csr_matrix,
    by_actor: sparse.csr_matrix,
    start: FloatArray,
    inverse_degree: FloatArray,
    inverse_size: FloatArray,
    skip: int,
) -> FloatArray:
    """Probability of reaching each actor in two more steps (member -> project -> actor) from ``start``."""
    return spread(incidence, walk_to_projects(incidence, by_actor, start, inverse_degree, inverse_size, skip))


def graph_similarity(
    incidence: sparse.csr_matrix, by_actor: sparse.csr_matrix, weights: FloatArray, norms: FloatArray
) -> FloatArray:
    """Cosine similarity of a group of actors to every project through shared members, busy members weighing less.

    ``weights`` holds, for each actor, its squared damping if it belongs to the group and 0 otherwise; ``norms``
    each project's norm under the same damping.
    """
    own = float(np.sqrt(weights.sum()))
    if own == 0.0:
        return np.zeros(incidence.shape[0])
    return overlap(incidence, by_actor, weights) / (np.where(norms > 0.0, norms, 1.0) * own)


def text_similarity(term_rows: sparse.csr_matrix, term_weights: FloatArray) -> FloatArray:
    """Cosine similarity of a (normalised) TF-IDF vector to every project, touching only the terms it uses."""
    if term_rows.shape[0] == 0:
        return np.zeros(term_rows.shape[1])
    return np.asarray(term_rows.T @ term_weights, dtype=np.float64).ravel()


def nearest(weights: FloatArray, n: int) -> FloatArray:
    """The weights with all but the n largest set to zero (ties at the boundary are all kept)."""
    if np.count_nonzero(weights) <= n:
        return weights
    kth = np.partition(weights, weights.size - n)[weights.size - n]
    return np.where(weights >= kth, weights, 0.0)


def spread(incidence: sparse.csr_matrix, project_weights: FloatArray) -> FloatArray:
    """Sum, for each actor, the weights of the projects it takes part in (reading only the non-zero projects)."""
    active = np.flatnonzero(project_weights)
    if active.size * 4 > project_weights.size:
        return np.asarray(incidence.T @ project_weights, dtype=np.float64).ravel()
    return np.asarray(incidence[active].T @ project_weights[active], dtype=np.float64).ravel()


def spread_columns(incidence: sparse.csr_matrix, by_actor: sparse.csr_matrix, columns: FloatArray) -> FloatArray:
    """``spread`` of several project weight columns at once (actors x columns), reading only non-zero projects."""
    active = np.flatnonzero(columns.any(axis=1))
    if active.size * 4 > columns.shape[0]:
        return np.asarray(by_actor @ columns, dtype=np.float64)
    return np.asarray(incidence[active].T @ columns[active], dtype=np.float64)


def scaled(values: FloatArray, allowed: npt.NDArray[np.bool_]) -> FloatArray:
    """Values divided by their maximum over the allowed entries, so every signal lives in [0, 1]."""
    top = float(np.max(values, where=allowed, initial=0.0))  # no copy of the allowed values
    return values / top if top > 0.0 else np.zeros_like(values)


def best(scores: FloatArray, allowed: npt.NDArray[np.bool_], k: int) -> IntArray:
    """Indices of the k best allowed entries, best first, ties broken by the lower index (node ids are sorted)."""
    candidates = np.flatnonzero(allowed)
    if k <= 0 or candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    values = scores[candidates]
    if candidates.size > k:
        # keep everything tied with the k-th value so the index tie-break stays exact
        kth = np.partition(values, candidates.size - k)[candidates.size - k]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))
    return np.asarray(candidates[order][:k], dtype=np.int64)
