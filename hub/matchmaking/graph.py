"""The partner graph: who took part in which project, and suggestions of partners and projects drawn from it.

Projects and actors form a bipartite graph (networkx is the model, see ``PartnerGraph.to_networkx``); scoring
runs on scipy sparse matrices precomputed from it so that one query stays within milliseconds on 100,000 nodes.
A suggestion to a project mixes graph proximity (a random walk from its partners through their other consortia,
busy actors discounted: RP3beta), text similarity (members of the projects closest in TF-IDF text, and the mean
similarity of each actor's own projects), sector and territory fit (the report values short local circuits), the
roles a consortium lacks and the lab's verification. That weighted sum is the first stage; the second stage
(``rerank``) re-ranks its best candidates with small boosted trees fitted on IMI consortia, which also read each
candidate's best project, its period of activity and how its kind and country fit the consortium; with
``Weights.learn`` the trees are fitted (or corrected) at build time on the graph's own participations instead
(``learn``). Suggestions to an actor blend projects sharing members and text. Weights live in ``scoring.Weights``, tuned on IMI consortia.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import networkx as nx
import numpy as np
from scipy import sparse

from hub.matchmaking import learn, reasons, rerank
from hub.matchmaking.features import Attributes, BoolArray, IntArray, Tables, index_of, ordered, unmet_masks
from hub.matchmaking.roles import NEED_PROVIDERS
from hub.matchmaking.scoring import (
    FloatArray,
    Weights,
    best,
    graph_similarity,
    nearest,
    overlap,
    scaled,
    spread,
    spread_columns,
    text_similarity,
)
from hub.matchmaking.text import tfidf_matrix

NodeId: TypeAlias = int | str
ProjectId = TypeVar("ProjectId", bound=int | str)
ActorId = TypeVar("ActorId", bound=int | str)

# Only the closest projects lend their members to a suggestion: farther ones add noise and query time.
_NEIGHBOURS = 300
# A project counts as "close" in a reason only above this text cosine; below it the shared words are incidental.
_CLOSE_TEXT = 0.1
# The second stage counts a candidate's projects among this many closest in text.
_CLOSE_COUNT = 10
# "Active in the same period" is said of an actor with at least this share of its projects in the project's period.
_SAME_PERIOD = 0.5
# project queries kept per graph (each holds a few arrays the size of the actor list)
_RECENT_QUERIES = 8


class UnknownNode(KeyError):
    """The graph holds no project or actor with this id (the web layer answers 404)."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An actor suggested to a project or to another actor, with the reasons shown to users."""

    actor_id: NodeId
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProjectSuggestion:
    """A project suggested to an actor, with the reasons shown to users."""

    project_id: NodeId
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActorSuggestions:
    """What the hub suggests to one actor: projects to join and actors to meet, best first."""

    projects: tuple[ProjectSuggestion, ...]
    actors: tuple[Suggestion, ...]


def build_graph(
    participations: Iterable[tuple[ProjectId, ActorId]],
    *,
    project_texts: Mapping[ProjectId, str] | None = None,
    actor_attributes: Mapping[ActorId, Attributes] | None = None,
    project_attributes: Mapping[ProjectId, Attributes] | None = None,
    project_labels: Mapping[ProjectId, str] | None = None,
    weights: Weights | None = None,
) -> PartnerGraph:
    """Build the partner graph from (project_id, actor_id) pairs and what is known of projects and actors.

    ``actor_attributes`` values may hold ``kind``, ``region``, ``country``, ``sectors``, ``verified``,
    ``volunteer`` (False for an establishment that refuses experiments) and ``periods`` (the periods it is active
    in, same labels as the projects'); ``project_attributes`` values may hold ``needs``, ``region``, ``country``,
    ``sectors`` and ``period`` (a label such as a year, a call or "en cours": projects of the same period often
    gather the same partners; an actor's periods are otherwise read from its projects). Regions, countries,
    sectors and periods appear as given in reasons, so pass readable names; ``project_labels`` gives the project
    names used in reasons (default: the id).
    A project or actor known only through these mappings is a node without edges.
    """
    texts = project_texts or {}
    actor_attrs = actor_attributes or {}
    project_attrs = project_attributes or {}
    labels = project_labels or {}
    pairs = list(set(participations))
    projects = ordered({p for p, _ in pairs} | set(texts) | set(project_attrs))
    actors = ordered({a for _, a in pairs} | set(actor_attrs))
    project_index, actor_index = index_of(projects), index_of(actors)
    rows = np.fromiter((project_index[p] for p, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((actor_index[a] for _, a in pairs), dtype=np.int64, count=len(pairs))
    incidence = sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(projects), len(actors)))
    graph = PartnerGraph(
        projects=projects,
        actors=actors,
        incidence=incidence,
        terms=tfidf_matrix([texts.get(p, "") for p in projects]),
        tables=Tables.build([actor_attrs.get(a, {}) for a in actors], [project_attrs.get(p, {}) for p in projects]),
        labels=tuple(labels.get(p, str(p)) for p in projects),
        weights=weights or Weights(),
    )
    if graph.weights.rerank and graph.weights.learn:
        start = rerank_model() if graph.weights.learn_from_shipped else None
        # correcting fitted trees needs fewer rounds than growing them from nothing
        graph.use_trees(learn.fit_own_trees(graph, learn.Learning(start=start, rounds=50 if start else 200)))
    return graph


@dataclass(frozen=True, slots=True)
class _ProjectQuery:
    """What one project query computes once: its members, similarities, final scores and what reasons need."""

    project: int
    members: IntArray
    text: FloatArray
    scores: FloatArray
    allowed: BoolArray
    sectors: FloatArray
    region: int
    country: int


class PartnerGraph:
    """Projects, actors and participations, ready to answer suggestion queries (read-only once built)."""

    def __init__(
        self,
        *,
        projects: tuple[NodeId, ...],
        actors: tuple[NodeId, ...],
        incidence: sparse.csr_matrix,
        terms: sparse.csr_matrix,
        tables: Tables,
        labels: tuple[str, ...],
        weights: Weights,
    ) -> None:
        """Hold the sparse matrices and precompute what every query needs (call ``build_graph`` instead)."""
        self._projects, self._actors = projects, actors
        self._project_index, self._actor_index = index_of(projects), index_of(actors)
        self._incidence = incidence  # project x actor, 1.0 per participation
        self._by_actor = sparse.csr_matrix(incidence.T)
        self._by_column = sparse.csc_matrix(incidence)
        self._terms = terms
        self._terms_by_term = sparse.csr_matrix(terms.T)
        self._tables, self._labels, self._weights = tables, labels, weights
        self._degree = np.asarray(incidence.getnnz(axis=0), dtype=np.float64)
        # sharing a member active everywhere says less about two projects than sharing a rare one
        self._damp2 = np.where(self._degree > 0, np.maximum(self._degree, 1.0) ** (-2.0 * weights.damping), 0.0)
        self._project_norms = np.sqrt(np.asarray(incidence @ self._damp2, dtype=np.float64).ravel())
        self._degree_penalty = np.maximum(self._degree, 1.0) ** -weights.degree_penalty
        self._inverse_degree = 1.0 / np.maximum(self._degree, 1.0)
        self._project_sizes = np.asarray(incidence.getnnz(axis=1), dtype=np.int64)
        self._inverse_size = 1.0 / np.maximum(self._project_sizes.astype(np.float64), 1.0)
        self._walk_penalty = np.maximum(self._degree, 1.0) ** -weights.walk_beta
        top = float(np.log1p(self._degree.max())) if self._degree.size and self._degree.max() > 0 else 1.0
        self._popularity = np.log1p(self._degree) / top
        self._actor_sectors = tables.sector_profile(incidence)
        self._unmet = [
            tables.unmet(p, incidence.indices[incidence.indptr[p] : incidence.indptr[p + 1]])
            for p in range(len(projects))
        ]
        self._unmet_masks = unmet_masks(self._unmet)
        self._fills = {role: tables.fills(role) for role in NEED_PROVIDERS}
        self._region_shares = tables.shares(incidence, tables.actor_regions, len(tables.regions.names))
        self._country_shares = tables.shares(incidence, tables.actor_countries, len(tables.countries.names))
        # the last few project queries: a project page asks for suggestions, then for the roles it lacks
        self._recent: OrderedDict[int, _ProjectQuery] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._trees: rerank.Trees | None = None

    def with_incidence(self, incidence: sparse.csr_matrix) -> PartnerGraph:
        """The same projects, actors, texts and attributes with other participations (to learn from hidden ones)."""
        return PartnerGraph(
            projects=self._projects,
            actors=self._actors,
            incidence=incidence,
            terms=self._terms,
            tables=self._tables,
            labels=self._labels,
            weights=self._weights,
        )

    def use_trees(self, trees: rerank.Trees | None) -> None:
        """Re-rank with these trees (fitted on this graph at build time) instead of the shipped ones."""
        self._trees = trees
        with self._recent_lock:
            self._recent.clear()

    # -- inspection ----------------------------------------------------------------------------------------------

    @property
    def projects(self) -> tuple[NodeId, ...]:
        """Project ids, in their tie-breaking order."""
        return self._projects

    @property
    def actors(self) -> tuple[NodeId, ...]:
        """Actor ids, in their tie-breaking order."""
        return self._actors

    @property
    def incidence(self) -> sparse.csr_matrix:
        """Project x actor matrix, 1.0 per participation (rows and columns in the order of the ids above)."""
        return self._incidence

    @property
    def weights(self) -> Weights:
        """The weights of the first stage and the re-ranking options."""
        return self._weights

    @property
    def trees(self) -> rerank.Trees | None:
        """The trees that re-rank this graph's suggestions: fitted on its own participations, else shipped ones."""
        return self._trees if self._trees is not None else rerank_model()

    def members(self, project_id: NodeId) -> tuple[NodeId, ...]:
        """Actors taking part in a project."""
        return tuple(self._actors[i] for i in self._members(self._project(project_id)))

    def to_networkx(self) -> nx.Graph:
        """The bipartite graph as networkx: nodes ("project", id) and ("actor", id), one edge per participation."""
        graph = nx.Graph()
        graph.add_nodes_from((("project", p), {"bipartite": 0}) for p in self._projects)
        graph.add_nodes_from((("actor", a), {"bipartite": 1}) for a in self._actors)
        coo = self._incidence.tocoo()
        graph.add_edges_from(
            (("project", self._projects[p]), ("actor", self._actors[a]))
            for p, a in zip(coo.row.tolist(), coo.col.tolist(), strict=True)
        )
        return graph

    # -- suggestions to a project --------------------------------------------------------------------------------

    def suggest_for_project(self, project_id: NodeId, k: int = 10) -> list[Suggestion]:
        """Actors not yet in the project, best first, each with its reasons."""
        query = self._query(self._project(project_id))
        return self._suggestions(query, best(query.scores, query.allowed, k))

    def rank_actors_for_project(self, project_id: NodeId) -> list[NodeId]:
        """Every actor not yet in the project, best first, without reasons (for evaluation and paging)."""
        query = self._query(self._project(project_id))
        return [self._actors[int(a)] for a in best(query.scores, query.allowed, len(self._actors))]

    def rerank_features(self, project_id: NodeId, depth: int | None = None) -> tuple[list[NodeId], FloatArray]:
        """The first stage's ``depth`` best actors for a project and their second-stage features (to fit the trees)."""
        p = self._project(project_id)
        stage = self.first_stage(p)
        chosen = best(stage.scores, stage.allowed, depth or self._weights.rerank_depth)
        return [self._actors[a] for a in chosen.tolist()], self.candidate_features(p, stage, chosen)

    def missing_roles(
        self, project_id: NodeId, required_roles: Iterable[str], k: int = 5
    ) -> dict[str, list[Suggestion]]:
        """For each required role (an actor kind or a need) that no member fills, the best actors to fill it."""
        query = self._query(self._project(project_id))
        gaps: dict[str, list[Suggestion]] = {}
        for role in sorted(set(required_roles)):
            fills = self._role(role)
            if not fills[query.members].any():
                chosen = best(query.scores, query.allowed & fills, k)
                gaps[role] = self._suggestions(query, chosen, extra=reasons.brings_missing(role))
        return gaps

    # -- suggestions to an actor ---------------------------------------------------------------------------------

    def suggest_for_actor(self, actor_id: NodeId, k: int = 10) -> ActorSuggestions:
        """Projects the actor could join and actors it could meet, best first, each with its reasons."""
        a = self._actor(actor_id)
        w, t = self._weights, self._tables
        own = self._projects_of(a)
        partners = np.zeros(len(self._actors), dtype=bool)
        partners[self._incidence[own].indices] = True
        partners[a] = False
        graph = graph_similarity(
            self._incidence, self._by_actor, np.where(partners, self._damp2, 0.0), self._project_norms
        )
        own_terms = self._terms[own]
        # the actor's subject matter: the sum of its projects' texts
        profile = np.bincount(own_terms.indices, weights=own_terms.data, minlength=self._terms.shape[1])
        used = np.flatnonzero(profile)
        norm = float(np.linalg.norm(profile[used]))
        text = text_similarity(self._terms_by_term[used], profile[used] / norm) if norm else np.zeros_like(graph)
        closeness = w.graph * graph**w.graph_power + w.text * text**w.text_power
        sectors = self._actor_sectors[a].T.toarray().ravel()

        project_ok = np.ones(len(self._projects), dtype=bool)
        project_ok[own] = False
        wanted = self._wanted(a)
        region, country = int(t.actor_regions[a]), int(t.actor_countries[a])
        project_scores = (
            scaled(closeness, project_ok)
            + w.sector * scaled(np.asarray(t.project_sectors @ sectors, dtype=np.float64), project_ok)
            + w.territory * t.project_closeness(region, self._region_shares, t.project_regions)
            + w.country * t.project_closeness(country, self._country_shares, t.project_countries)
            + w.complement * wanted.astype(np.float64)
        )
        actor_ok = ~partners
        actor_ok[a] = False
        actor_scores = (
            scaled(spread(self._incidence, nearest(closeness, _NEIGHBOURS)) * self._degree_penalty, actor_ok)
            + w.sector * scaled(np.asarray(self._actor_sectors @ sectors, dtype=np.float64), actor_ok)
            + w.territory * _same(t.actor_regions, a)
            + w.country * _same(t.actor_countries, a)
            + w.verified * t.actor_verified
        )
        chosen_projects = best(project_scores, project_ok, k)
        chosen_actors = best(actor_scores, actor_ok, k)
        # how close each suggested project is to each of the actor's own projects, for "proche de vos projets"
        own_text = (self._terms[chosen_projects] @ self._terms[own].T).toarray()
        projects = []
        for row, q in enumerate(chosen_projects.tolist()):
            members = self._members(q)
            said = []
            if inside := int(partners[members].sum()):
                said.append(reasons.your_partners_inside(inside))
            said += self._close(own, own_text[row], reasons.close_to_your_projects)
            said += self._sector_reason(_row(self._actor_sectors, a), t.sector_target(q, members))
            said += self._place(
                a,
                t.home(q, members, t.actor_regions, t.project_regions),
                t.home(q, members, t.actor_countries, t.project_countries),
            )
            said += [reasons.wants_what_you_bring(n) for n in self._unmet[q] if wanted[q] and self._role(n)[a]]
            said = said or [reasons.gathers(int(members.size))]
            projects.append(ProjectSuggestion(self._projects[q], float(project_scores[q]), tuple(said)))
        worked = self._worked_counts(chosen_actors, partners)
        actors = []
        for b, together in zip(chosen_actors.tolist(), worked.tolist(), strict=True):
            said = [reasons.worked_with_your_partners(together)] if together else []
            theirs = self._projects_of(b)
            said += self._close(theirs, text[theirs], reasons.close_projects)
            said += self._sector_reason(_row(self._actor_sectors, b), sectors)
            said += self._place(b, region, country)
            said += [reasons.verified()] if t.actor_verified[b] else []
            said = said or [reasons.active_in(int(self._degree[b]))]
            actors.append(Suggestion(self._actors[b], float(actor_scores[b]), tuple(said)))
        return ActorSuggestions(projects=tuple(projects), actors=tuple(actors))

    # -- internals -----------------------------------------------------------------------------------------------

    def _project(self, project_id: NodeId) -> int:
        try:
            return self._project_index[project_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"unknown project: {project_id!r}") from None

    def _actor(self, actor_id: NodeId) -> int:
        try:
            return self._actor_index[actor_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"unknown actor: {actor_id!r}") from None

    def _members(self, p: int) -> IntArray:
        m = self._incidence
        return np.sort(m.indices[m.indptr[p] : m.indptr[p + 1]]).astype(np.int64)

    def _projects_of(self, a: int) -> IntArray:
        m = self._by_actor
        return np.sort(m.indices[m.indptr[a] : m.indptr[a + 1]]).astype(np.int64)

    def _role(self, role: str) -> BoolArray:
        """Actors filling a role, precomputed for the known needs."""
        return self._fills[role] if role in self._fills else self._tables.fills(role)

    def _wanted(self, a: int) -> BoolArray:
        """Projects lacking something actor ``a`` brings."""
        found = np.zeros(len(self._projects), dtype=bool)
        for need, lacking in self._unmet_masks.items():
            if self._role(need)[a]:
                found |= lacking
        return found

    def first_stage(self, p: int) -> _FirstStage:
        """The weighted sum of all signals for every actor (``Weights``), before any re-ranking."""
        w, t = self._weights, self._tables
        members = self._members(p)
        in_project = np.zeros(len(self._actors), dtype=bool)
        in_project[members] = True
        start, end = self._terms.indptr[p], self._terms.indptr[p + 1]
        text = text_similarity(self._terms_by_term[self._terms.indices[start:end]], self._terms.data[start:end])
        text[p] = 0.0
        allowed = ~in_project
        sectors = t.sector_target(p, members)
        fills = np.zeros(len(self._actors), dtype=np.float64)
        asked = np.zeros(len(self._actors), dtype=np.float64)
        declared = t.project_needs[p] or frozenset()
        for need in self._unmet[p]:
            # a need the project declared itself counts more than a core role that is merely missing
            bonus = w.declared_need if need in declared else w.complement
            fills = np.maximum(fills, np.where(self._role(need), bonus, 0.0))
            if need in declared:
                asked = np.maximum(asked, np.where(self._role(need), bonus, 0.0))
        near = self._neighbourhood(p, members, text, allowed)
        sector = scaled(np.asarray(self._actor_sectors @ sectors, dtype=np.float64), allowed)
        scores = (
            self._blend(p, in_project, text, allowed)
            + w.walk * near.walk
            + w.nearby_text * near.nearby
            + w.profile * near.profile
            + w.popularity * self._popularity
            + w.sector * sector
            + w.territory * t.closeness(p, members, t.actor_regions, t.project_regions)
            + w.country * t.closeness(p, members, t.actor_countries, t.project_countries)
            + fills
            + w.verified * t.actor_verified
        )
        # what the product asks for and IMI cannot teach the trees: declared needs, the lab's verification
        product = asked + w.verified * t.actor_verified
        return _FirstStage(members, text, np.asarray(scores, dtype=np.float64), allowed, sectors, near, sector, product)

    def _query(self, p: int) -> _ProjectQuery:
        """The ranked candidates of project index ``p``, kept for the next few calls (the graph never changes)."""
        with self._recent_lock:
            found = self._recent.get(p)
            if found is not None:
                self._recent.move_to_end(p)
                return found
        query = self._compute_query(p)
        for array in (query.members, query.text, query.scores, query.allowed, query.sectors):
            array.setflags(write=False)  # shared between calls: nobody may change it in place
        with self._recent_lock:
            self._recent[p] = query
            while len(self._recent) > _RECENT_QUERIES:
                self._recent.popitem(last=False)
        return query

    def _compute_query(self, p: int) -> _ProjectQuery:
        t = self._tables
        first = self.first_stage(p)
        scores = first.scores
        if self._weights.rerank and self.trees is not None and first.allowed.any():
            scores = self._rerank(p, first)
        members = first.members
        region = t.home(p, members, t.actor_regions, t.project_regions)
        country = t.home(p, members, t.actor_countries, t.project_countries)
        return _ProjectQuery(p, members, first.text, scores, first.allowed, first.sectors, region, country)

    def _blend(self, p: int, in_project: BoolArray, text: FloatArray, allowed: BoolArray) -> FloatArray | float:
        """Members of the projects closest in shared partners and text, busy members damped (weight ``blend``)."""
        w = self._weights
        if not w.blend:
            return 0.0
        graph = graph_similarity(
            self._incidence, self._by_actor, np.where(in_project, self._damp2, 0.0), self._project_norms
        )
        graph[p] = 0.0
        closeness = w.graph * graph**w.graph_power + w.text * text**w.text_power
        return w.blend * scaled(
            spread(self._incidence, nearest(closeness, _NEIGHBOURS)) * self._degree_penalty, allowed
        )

    def _neighbourhood(self, p: int, members: IntArray, text: FloatArray, allowed: BoolArray) -> _Neighbourhood:
        """Random walk from the members, members of the nearest projects in text, and the actors' text profile."""
        w = self._weights
        start = np.zeros(len(self._actors))
        if members.size:
            start[members] = 1.0 / members.size
        # the three signals spread project weights to actors in one product; each keeps its closest projects only
        # (all of them on a catalogue the size of IMI): a partner active everywhere would otherwise make every
        # query read every participation, for projects that add little
        # one pass over the members' participations: the walk's first step (as ``walk_to_projects``) and, for the
        # second stage, how many of the members each project holds
        in_project = np.zeros(len(self._actors))
        in_project[members] = 1.0
        both = overlap(
            self._incidence, self._by_actor, np.column_stack([start * self._inverse_degree, in_project]), members
        )
        reach, shared = both[:, 0] * self._inverse_size, both[:, 1]
        reach[p] = shared[p] = 0.0
        by_project = np.column_stack(
            [
                nearest(reach, _NEIGHBOURS),
                nearest(text**w.text_power, w.text_neighbours),
                nearest(text, _NEIGHBOURS),
            ]
        )
        walk, nearby, profile = spread_columns(self._incidence, self._by_actor, by_project).T
        # walk: RP3beta, busy actors discounted; profile: mean similarity of the actor's projects (their number aside)
        return _Neighbourhood(
            walk=scaled(walk * self._walk_penalty, allowed),
            nearby=scaled(nearby, allowed),
            profile=scaled(profile * self._inverse_degree, allowed),
            reach=reach,
            shared=shared,
        )

    def _rerank(self, p: int, stage: _FirstStage) -> FloatArray:
        """Re-rank the first stage's best actors with the fitted trees; the rest keep their order below them.

        Scores of re-ranked actors are 1 plus the trees' probability plus the product's own bonuses (a need the
        project declared, the lab's verification: IMI declares none, so the trees cannot weigh them); the others'
        are their first-stage score divided by the best one (so at most 1).
        """
        model = self.trees
        assert model is not None
        first = stage.scores
        chosen = best(first, stage.allowed, self._weights.rerank_depth)
        x = self.candidate_features(p, stage, chosen)
        probability = 1.0 / (1.0 + np.exp(-model.predict(x)))
        top = float(first[chosen[0]]) if chosen.size else 0.0
        scores = first / top if top > 0.0 else np.zeros_like(first)
        scores = np.minimum(scores, 1.0)
        scores[chosen] = 1.0 + probability + stage.product[chosen]
        return scores

    def candidate_features(self, p: int, stage: _FirstStage, chosen: IntArray) -> FloatArray:
        """The second stage's description of each chosen actor (columns: ``rerank.FEATURES``)."""
        t = self._tables
        members, first, text, near = stage.members, stage.scores, stage.text, stage.near
        theirs, counts = self._projects_of_each(chosen)
        size = max(int(members.size), 1)
        shared = near.shared
        reach_top = float(near.reach.max()) if near.reach.size else 0.0
        reach = near.reach / reach_top if reach_top > 0.0 else near.reach
        period = t.period_share(int(t.project_periods[p]), chosen, theirs, counts)
        best_text = segment_max(text[theirs], counts)
        text_top = float(text.max(initial=0.0))
        text_kth = (
            float(np.partition(text, text.size - _CLOSE_COUNT)[text.size - _CLOSE_COUNT])
            if text.size > _CLOSE_COUNT
            else 0.0
        )
        top = float(first[chosen[0]]) if chosen.size else 1.0
        columns = [
            first[chosen] / top if top > 0.0 else np.zeros(chosen.size),
            near.walk[chosen],
            near.nearby[chosen],
            near.profile[chosen],
            np.log1p(self._degree[chosen]),
            segment_max(reach[theirs], counts),
            best_text,
            best_text / text_top if text_top > 0.0 else np.zeros(chosen.size),
            segment_sum((text[theirs] >= text_kth) & (text[theirs] > 0.0), counts),
            segment_sum(shared[theirs] > 0.0, counts) / np.maximum(counts, 1),
            segment_max(shared[theirs] / size, counts),
            segment_sum(shared[theirs], counts) / size,
            period,
            _share_with(t.actor_kind_codes, members, chosen),
            _share_with(t.actor_countries, members, chosen),
            _share_with(t.actor_regions, members, chosen),
            stage.sector[chosen],
            np.log1p(np.arange(chosen.size, dtype=np.float64)),
            np.full(chosen.size, np.log1p(members.size)),
        ]
        return np.asarray(np.column_stack(columns), dtype=np.float64)

    def _projects_of_each(self, chosen: IntArray) -> tuple[IntArray, IntArray]:
        """The projects of each chosen actor, one actor after the other, and how many each has."""
        ptr = self._by_actor.indptr
        counts = (ptr[chosen + 1] - ptr[chosen]).astype(np.int64)
        return self._by_actor.indices[_ranges(ptr[chosen], counts)].astype(np.int64), counts

    def _suggestions(self, query: _ProjectQuery, chosen: IntArray, extra: str | None = None) -> list[Suggestion]:
        in_project = ~query.allowed
        t = self._tables
        period = int(t.project_periods[query.project])
        active = t.period_share(period, chosen, *self._projects_of_each(chosen)) >= _SAME_PERIOD
        out = []
        for a, worked, same_period in zip(
            chosen.tolist(), self._worked_counts(chosen, in_project).tolist(), active.tolist(), strict=True
        ):
            said = [reasons.worked_with_members(worked)] if worked else []
            theirs = self._projects_of(a)
            said += self._close(theirs, query.text[theirs], reasons.close_projects)
            said += self._sector_reason(_row(self._actor_sectors, a), query.sectors)
            said += self._place(a, query.region, query.country)
            said += [reasons.same_period(t.periods.names[period])] if same_period else []
            said += [reasons.brings_missing(n) for n in self._unmet[query.project] if self._role(n)[a]]
            said += [reasons.verified()] if self._tables.actor_verified[a] else []
            if extra and not any(r.startswith("apporte ce qui manque") for r in said):
                said.append(extra)
            said = said or [reasons.active_in(int(self._degree[a]))]
            out.append(Suggestion(actor_id=self._actors[a], score=float(query.scores[a]), reasons=tuple(said)))
        return out

    def _worked_counts(self, chosen: IntArray, others: BoolArray) -> IntArray:
        """For each chosen actor, how many of the ``others`` share at least one project with it.

        From the cheaper side: a join of both sides' projects (plain arrays) when the others take part in fewer
        projects than the chosen actors' projects hold members (a project's few partners), else one sparse product
        giving each chosen actor's co-members, filtered by ``others`` (an actor's many partners).
        """
        group = np.flatnonzero(others)
        counts = np.zeros(chosen.size, dtype=np.int64)
        if not group.size or not chosen.size:
            return counts
        chosen_projects, chosen_counts = self._projects_of_each(chosen)
        owners = np.repeat(np.arange(chosen.size), chosen_counts)
        if self._degree[group].sum() <= self._project_sizes[chosen_projects].sum():
            group_projects, group_counts = self._projects_of_each(group)
            order = np.argsort(group_projects, kind="stable")
            sorted_projects = group_projects[order]
            low = np.searchsorted(sorted_projects, chosen_projects, side="left")
            found = np.searchsorted(sorted_projects, chosen_projects, side="right") - low
            met = np.repeat(np.arange(group.size), group_counts)[order][_ranges(low, found)]
            width = group.size
            pairs = np.repeat(owners, found) * width + met
            if not pairs.size:
                return counts
            # each (chosen actor, other) once, however many projects they share
            return np.bincount(np.unique(pairs) // width, minlength=chosen.size).astype(np.int64)
        together = sparse.csr_matrix(self._by_column[:, chosen].T @ self._incidence)  # busy chosen actors: C code
        return np.array(
            [others[together.indices[together.indptr[i] : together.indptr[i + 1]]].sum() for i in range(chosen.size)],
            dtype=np.int64,
        )

    def _close(self, projects: IntArray, values: FloatArray, phrase: Callable[[list[str]], str]) -> list[str]:
        """A reason naming up to two of these projects whose text similarity (``values``, aligned) is high enough."""
        keep = values >= _CLOSE_TEXT
        order = np.lexsort((projects[keep], -values[keep]))[:2]
        # two projects may share a title (i-Lab laureates): name it once
        labels = list(dict.fromkeys(self._labels[int(q)] for q in projects[keep][order]))
        return [phrase(labels)] if labels else []

    def _sector_reason(self, actor_sectors: IntArray, target: FloatArray) -> list[str]:
        shared = actor_sectors[target[actor_sectors] > 0]
        order = np.lexsort((shared, -target[shared]))[:2]
        names = [self._tables.sectors.names[int(s)] for s in shared[order]]
        return [reasons.same_sector(names)] if names else []

    def _place(self, a: int, region: int, country: int) -> list[str]:
        """ "Same territory" when regions match, else "same country" (short local circuits first)."""
        t = self._tables
        if region >= 0 and t.actor_regions[a] == region:
            return [reasons.same_territory(t.regions.names[region])]
        if country >= 0 and t.actor_countries[a] == country:
            return [reasons.same_country(t.countries.names[country])]
        return []


@dataclass(frozen=True, slots=True)
class _FirstStage:
    """One project's first-stage scores over all actors and what the second stage reads from them."""

    members: IntArray
    text: FloatArray
    scores: FloatArray
    allowed: BoolArray
    sectors: FloatArray
    near: _Neighbourhood
    sector: FloatArray
    product: FloatArray  # declared needs met and verification, added again after re-ranking


@dataclass(frozen=True, slots=True)
class _Neighbourhood:
    """The first stage's graph and text signals for one project, each scaled to [0, 1] over allowed actors."""

    walk: FloatArray
    nearby: FloatArray
    profile: FloatArray
    reach: FloatArray  # the walk's weight on each project (projects, not actors)
    shared: FloatArray  # how many of the project's partners each project holds


def rerank_model() -> rerank.Trees | None:
    """The fitted second-stage trees, or None when none were fitted (then the first stage ranks alone)."""
    try:
        from hub.matchmaking.ranker_model import FEATURE_NAMES, TREES
    except ImportError:
        return None
    return TREES if tuple(FEATURE_NAMES) == rerank.FEATURES else None


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """The positions ``starts[i], ..., starts[i] + lengths[i] - 1`` for each i, one run after the other."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total), dtype=np.int64)


def _row(matrix: sparse.csr_matrix, i: int) -> IntArray:
    """The column indices stored in row ``i`` (slicing the matrix itself costs far more, per call)."""
    return np.asarray(matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]], dtype=np.int64)


def segment_max(values: FloatArray, counts: IntArray) -> FloatArray:
    """Maximum of each run of ``values`` (runs of ``counts`` values one after the other), 0.0 for an empty run."""
    out = np.zeros(counts.size)
    nonempty = counts > 0
    if values.size:
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        out[nonempty] = np.maximum.reduceat(values, starts[nonempty])
    return out


def segment_sum(values: FloatArray | BoolArray, counts: IntArray) -> FloatArray:
    """Sum of each run of ``values`` (runs of ``counts`` values one after the other)."""
    sums = np.bincount(np.repeat(np.arange(counts.size), counts), weights=values, minlength=counts.size)
    return np.asarray(sums, dtype=np.float64)


def _share_with(codes: IntArray, members: IntArray, chosen: IntArray) -> FloatArray:
    """For each chosen actor, the share of the members sharing its code (kind, country...); -1.0 if its is unknown."""
    known = codes[members]
    known = known[known >= 0]
    shares = np.append(np.bincount(known, minlength=int(codes.max(initial=-1)) + 1) / max(members.size, 1), 0.0)
    mine = codes[chosen]
    return np.asarray(np.where(mine >= 0, shares[mine], -1.0), dtype=np.float64)  # code -1 reads the appended 0


def _same(codes: IntArray, a: int) -> FloatArray:
    """1.0 for actors sharing actor ``a``'s (known) code."""
    same: FloatArray = ((codes == codes[a]) & (codes[a] >= 0)).astype(np.float64)
    return same
