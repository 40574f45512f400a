"""The partner graph: who took part in which project, and suggestions of partners and projects drawn from it.

Projects and actors form a bipartite graph (networkx is the model, see ``PartnerGraph.to_networkx``); scoring
runs on scipy sparse matrices precomputed from it so that one query stays within milliseconds on 100,000 nodes.
A suggestion to a project mixes graph proximity (a random walk from its partners through their other consortia,
busy actors discounted: RP3beta), text similarity (members of the projects closest in TF-IDF text, and the mean
similarity of each actor's own projects), sector and territory fit (the report values short local circuits), the
roles a consortium lacks and the lab's verification; suggestions to an actor blend projects sharing members and
text. Weights live in ``scoring.Weights``, tuned on IMI consortia.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import networkx as nx
import numpy as np
from scipy import sparse

from hub.matchmaking import reasons
from hub.matchmaking.features import Attributes, BoolArray, IntArray, Tables, index_of, ordered, unmet_masks
from hub.matchmaking.roles import NEED_PROVIDERS
from hub.matchmaking.scoring import (
    FloatArray,
    Weights,
    best,
    graph_similarity,
    nearest,
    scaled,
    spread,
    spread_columns,
    text_similarity,
    walk_to_projects,
)
from hub.matchmaking.text import tfidf_matrix

NodeId: TypeAlias = int | str
ProjectId = TypeVar("ProjectId", bound=int | str)
ActorId = TypeVar("ActorId", bound=int | str)

# Only the closest projects lend their members to a suggestion: farther ones add noise and query time.
_NEIGHBOURS = 300
# A project counts as "close" in a reason only above this text cosine; below it the shared words are incidental.
_CLOSE_TEXT = 0.1


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

    ``actor_attributes`` values may hold ``kind``, ``region``, ``country``, ``sectors``, ``verified`` and
    ``volunteer`` (False for an establishment that refuses experiments); ``project_attributes`` values may hold
    ``needs``, ``region``, ``country`` and ``sectors``. Regions, countries and sectors appear as given in reasons,
    so pass readable names; ``project_labels`` gives the project names used in reasons (default: the id).
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
    return PartnerGraph(
        projects=projects,
        actors=actors,
        incidence=incidence,
        terms=tfidf_matrix([texts.get(p, "") for p in projects]),
        tables=Tables.build([actor_attrs.get(a, {}) for a in actors], [project_attrs.get(p, {}) for p in projects]),
        labels=tuple(labels.get(p, str(p)) for p in projects),
        weights=weights or Weights(),
    )


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
        self._project_sizes = np.asarray(incidence.getnnz(axis=1), dtype=np.float64)
        self._inverse_size = 1.0 / np.maximum(self._project_sizes, 1.0)
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

    # -- inspection ----------------------------------------------------------------------------------------------

    @property
    def projects(self) -> tuple[NodeId, ...]:
        """Project ids, in their tie-breaking order."""
        return self._projects

    @property
    def actors(self) -> tuple[NodeId, ...]:
        """Actor ids, in their tie-breaking order."""
        return self._actors

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
            said += self._sector_reason(self._actor_sectors[a].indices, t.sector_target(q, members))
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
            said += self._sector_reason(self._actor_sectors[b].indices, sectors)
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

    def _query(self, p: int) -> _ProjectQuery:
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
        declared = t.project_needs[p] or frozenset()
        for need in self._unmet[p]:
            # a need the project declared itself counts more than a core role that is merely missing
            bonus = w.declared_need if need in declared else w.complement
            fills = np.maximum(fills, np.where(self._role(need), bonus, 0.0))
        scores = (
            self._blend(p, in_project, text, allowed)
            + self._neighbourhood(p, members, text, allowed)
            + w.popularity * self._popularity
            + w.sector * scaled(np.asarray(self._actor_sectors @ sectors, dtype=np.float64), allowed)
            + w.territory * t.closeness(p, members, t.actor_regions, t.project_regions)
            + w.country * t.closeness(p, members, t.actor_countries, t.project_countries)
            + fills
            + w.verified * t.actor_verified
        )
        region = t.home(p, members, t.actor_regions, t.project_regions)
        country = t.home(p, members, t.actor_countries, t.project_countries)
        return _ProjectQuery(p, members, text, np.asarray(scores, dtype=np.float64), allowed, sectors, region, country)

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

    def _neighbourhood(self, p: int, members: IntArray, text: FloatArray, allowed: BoolArray) -> FloatArray:
        """Random walk from the members, members of the nearest projects in text, and the actors' text profile."""
        w = self._weights
        start = np.zeros(len(self._actors))
        if members.size:
            start[members] = 1.0 / members.size
        # the three signals spread project weights to actors in one product; each keeps its closest projects only
        # (all of them on a catalogue the size of IMI): a partner active everywhere would otherwise make every
        # query read every participation, for projects that add little
        reach = walk_to_projects(self._incidence, self._by_actor, start, self._inverse_degree, self._inverse_size, p)
        by_project = np.column_stack(
            [
                nearest(reach, _NEIGHBOURS),
                nearest(text**w.text_power, w.text_neighbours),
                nearest(text, _NEIGHBOURS),
            ]
        )
        walk, nearby, profile = spread_columns(self._incidence, self._by_actor, by_project).T
        # walk: RP3beta, busy actors discounted; profile: mean similarity of the actor's projects (their number aside)
        return (
            w.walk * scaled(walk * self._walk_penalty, allowed)
            + w.nearby_text * scaled(nearby, allowed)
            + w.profile * scaled(profile * self._inverse_degree, allowed)
        )

    def _suggestions(self, query: _ProjectQuery, chosen: IntArray, extra: str | None = None) -> list[Suggestion]:
        in_project = ~query.allowed
        out = []
        for a, worked in zip(chosen.tolist(), self._worked_counts(chosen, in_project).tolist(), strict=True):
            said = [reasons.worked_with_members(worked)] if worked else []
            theirs = self._projects_of(a)
            said += self._close(theirs, query.text[theirs], reasons.close_projects)
            said += self._sector_reason(self._actor_sectors[a].indices, query.sectors)
            said += self._place(a, query.region, query.country)
            said += [reasons.brings_missing(n) for n in self._unmet[query.project] if self._role(n)[a]]
            said += [reasons.verified()] if self._tables.actor_verified[a] else []
            if extra and not any(r.startswith("apporte ce qui manque") for r in said):
                said.append(extra)
            said = said or [reasons.active_in(int(self._degree[a]))]
            out.append(Suggestion(actor_id=self._actors[a], score=float(query.scores[a]), reasons=tuple(said)))
        return out

    def _worked_counts(self, chosen: IntArray, others: BoolArray) -> IntArray:
        """For each chosen actor, how many of the ``others`` share at least one project with it."""
        chosen_projects = self._by_column[:, chosen]
        group = np.flatnonzero(others)
        # take the cheaper product: the others' participations, or every co-member of the chosen actors (a busy
        # chosen actor has many; a busy asking actor has many partners)
        if self._degree[group].sum() <= self._project_sizes[chosen_projects.indices].sum():
            return np.asarray((chosen_projects.T @ self._by_column[:, group]).getnnz(axis=1), dtype=np.int64)
        together = sparse.csr_matrix(chosen_projects.T @ self._incidence)
        counts = [
            others[together.indices[together.indptr[i] : together.indptr[i + 1]]].sum() for i in range(len(chosen))
        ]
        return np.array(counts, dtype=np.int64)

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


def _same(codes: IntArray, a: int) -> FloatArray:
    """1.0 for actors sharing actor ``a``'s (known) code."""
    same: FloatArray = ((codes == codes[a]) & (codes[a] >= 0)).astype(np.float64)
    return same
