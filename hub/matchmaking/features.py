"""What is known of actors and projects besides the graph (kind, territory, sectors, needs), as arrays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import sparse

from hub.matchmaking.roles import CORE_NEEDS, NEED_PROVIDERS, provides, role_kinds

Attributes: TypeAlias = Mapping[str, object]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Node = TypeVar("Node", bound=int | str)


def _order_key(node: int | str) -> tuple[int, int, str]:
    return (0, node, "") if isinstance(node, int) else (1, 0, str(node))


def ordered(ids: Iterable[Node]) -> tuple[Node, ...]:
    """Ids in a fixed order (numbers first, then text) so ties always break the same way."""
    return tuple(sorted(set(ids), key=_order_key))


def index_of(ids: Sequence[Node]) -> dict[Node, int]:
    """Position of each id."""
    return {node: i for i, node in enumerate(ids)}


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _texts(value: object) -> list[str]:
    if value is None or isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Names shared by actors and projects (regions, countries, sectors), each with a code."""

    names: tuple[str, ...]

    @classmethod
    def of(cls, values: Iterable[str]) -> Vocabulary:
        """Vocabulary of the distinct values, sorted."""
        return cls(tuple(sorted(set(values))))

    def codes(self, values: Sequence[str | None]) -> IntArray:
        """Code of each value, -1 when unknown."""
        index = {name: i for i, name in enumerate(self.names)}
        return np.fromiter((index.get(v, -1) if v else -1 for v in values), dtype=np.int64, count=len(values))

    def matrix(self, rows: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """One row per item, 1.0 for each of its names."""
        index = {name: i for i, name in enumerate(self.names)}
        r = [i for i, names in enumerate(rows) for _ in names]
        c = [index[n] for names in rows for n in names]
        return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(self.names)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Tables:
    """Attribute arrays for actors and projects, sharing region, country and sector codes."""

    regions: Vocabulary
    countries: Vocabulary
    sectors: Vocabulary
    kinds: Vocabulary
    actor_kinds: tuple[str | None, ...]
    actor_kind_codes: IntArray
    actor_volunteer: BoolArray
    actor_verified: FloatArray
    actor_regions: IntArray
    actor_countries: IntArray
    actor_sectors: sparse.csr_matrix
    project_needs: tuple[frozenset[str] | None, ...]
    project_regions: IntArray
    project_countries: IntArray
    project_sectors: sparse.csr_matrix
    periods: Vocabulary
    actor_periods: sparse.csr_matrix
    project_periods: IntArray

    @classmethod
    def build(cls, actors: Sequence[Attributes], projects: Sequence[Attributes]) -> Tables:
        """Read the attribute mappings once into arrays."""
        both = [*actors, *projects]
        regions = Vocabulary.of(r for r in (_text(x.get("region")) for x in both) if r)
        countries = Vocabulary.of(c for c in (_text(x.get("country")) for x in both) if c)
        actor_sectors = [sorted(set(_texts(x.get("sectors")))) for x in actors]
        project_sectors = [sorted(set(_texts(x.get("sectors")))) for x in projects]
        sectors = Vocabulary.of(s for row in actor_sectors + project_sectors for s in row)
        kinds = [_text(x.get("kind")) for x in actors]
        kind_vocabulary = Vocabulary.of(k for k in kinds if k)
        needs = tuple(frozenset(_texts(x["needs"])) if x.get("needs") is not None else None for x in projects)
        actor_periods = [sorted(set(_texts(x.get("periods")))) for x in actors]
        project_periods = [_text(x.get("period")) for x in projects]
        periods = Vocabulary.of([p for row in actor_periods for p in row] + [p for p in project_periods if p])
        return cls(
            regions=regions,
            countries=countries,
            sectors=sectors,
            kinds=kind_vocabulary,
            actor_kinds=tuple(kinds),
            actor_kind_codes=kind_vocabulary.codes(kinds),
            actor_volunteer=np.array([x.get("volunteer", True) is not False for x in actors], dtype=bool),
            actor_verified=np.array([1.0 if x.get("verified") else 0.0 for x in actors]),
            actor_regions=regions.codes([_text(x.get("region")) for x in actors]),
            actor_countries=countries.codes([_text(x.get("country")) for x in actors]),
            actor_sectors=sectors.matrix(actor_sectors),
            project_needs=needs,
            project_regions=regions.codes([_text(x.get("region")) for x in projects]),
            project_countries=countries.codes([_text(x.get("country")) for x in projects]),
            project_sectors=sectors.matrix(project_sectors),
            periods=periods,
            actor_periods=periods.matrix(actor_periods),
            project_periods=periods.codes(project_periods),
        )

    # -- actors ----------------------------------------------------------------------------------------------------

    def fills(self, role: str) -> BoolArray:
        """Actors that fill a role (a need such as "patients" or an actor kind such as "company")."""
        codes = [c for c in self.kinds.codes(sorted(role_kinds(role))) if c >= 0]
        found = np.isin(self.actor_kind_codes, codes)
        # same rule as roles.provides, vectorised: an establishment refusing experiments is no test site
        return found & self.actor_volunteer if role == "experimentation_site" else found

    def fills_any(self, roles: Iterable[str]) -> FloatArray:
        """1.0 for actors that fill at least one of the roles."""
        found = np.zeros(len(self.actor_kinds), dtype=bool)
        for role in roles:
            found |= self.fills(role)
        return found.astype(np.float64)

    def sector_profile(self, incidence: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sectors of each actor: those it declares (1.0) or the share of its projects in each sector."""
        degree = np.asarray(incidence.sum(axis=0), dtype=np.float64).ravel()
        inferred = sparse.diags(1.0 / np.maximum(degree, 1.0)) @ (incidence.T @ self.project_sectors)
        return sparse.csr_matrix(self.actor_sectors.maximum(inferred))

    def period_share(self, period: int, actors: IntArray, their_projects: IntArray, counts: IntArray) -> FloatArray:
        """How active each of these actors is in a period, -1.0 when unknown.

        1.0 if the actor declares that period (0.0 if it declares only others), else the share of its projects with a
        known period that are in it; ``their_projects`` lists the actors' projects one actor after the other,
        ``counts`` how many belong to each actor.
        """
        out = np.full(actors.size, -1.0)
        if period < 0:
            return out
        codes = self.project_periods[their_projects]
        owner = np.repeat(np.arange(actors.size), counts)
        known = np.bincount(owner, weights=(codes >= 0).astype(np.float64), minlength=actors.size)
        inside = np.bincount(owner, weights=(codes == period).astype(np.float64), minlength=actors.size)
        out = np.where(known > 0, inside / np.maximum(known, 1.0), -1.0)
        # the periods the actors declare, read from the matrix's arrays (row slicing costs more than this query)
        declared = self.actor_periods
        starts, ends = declared.indptr[actors], declared.indptr[actors + 1]
        sizes = ends - starts
        said = sizes > 0
        if said.any():
            offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
            value = np.where(declared.indices[offsets] == period, declared.data[offsets], 0.0)
            out[said] = np.bincount(np.repeat(np.arange(actors.size), sizes), weights=value, minlength=actors.size)[
                said
            ]
        return np.asarray(out, dtype=np.float64)

    # -- projects --------------------------------------------------------------------------------------------------

    def unmet(self, p: int, members: IntArray) -> tuple[str, ...]:
        """Needs of a project that no member meets: its declared needs, or the core roles when it declares none."""
        needs = self.project_needs[p]
        wanted = needs if needs is not None else frozenset(CORE_NEEDS)
        kinds = [(self.actor_kinds[m], bool(self.actor_volunteer[m])) for m in members]
        return tuple(sorted(n for n in wanted if not any(provides(k, v, n) for k, v in kinds)))

    def sector_target(self, p: int, members: IntArray) -> FloatArray:
        """Sectors a project works in: declared, or else the share of its members declaring each sector."""
        row = self.project_sectors[p]
        if row.nnz or members.size == 0:
            return np.asarray(row.toarray(), dtype=np.float64).ravel()
        return np.asarray(self.actor_sectors[members].mean(axis=0), dtype=np.float64).ravel()

    def home(self, p: int, members: IntArray, actor_codes: IntArray, project_codes: IntArray) -> int:
        """A project's region (or country): declared, or else the most common among its members (-1 if none)."""
        if project_codes[p] >= 0:
            return int(project_codes[p])
        known = actor_codes[members]
        known = known[known >= 0]
        return int(np.bincount(known).argmax()) if known.size else -1

    def closeness(self, p: int, members: IntArray, actor_codes: IntArray, project_codes: IntArray) -> FloatArray:
        """Territorial fit of every actor with a project: 1.0 in its declared place, else share of members there."""
        if project_codes[p] >= 0:
            declared: FloatArray = (actor_codes == project_codes[p]).astype(np.float64)
            return declared
        known = actor_codes[members]
        known = known[known >= 0]
        if known.size == 0:
            return np.zeros(actor_codes.size)
        share = np.append(np.bincount(known, minlength=int(actor_codes.max()) + 1) / members.size, 0.0)
        return np.asarray(share[actor_codes], dtype=np.float64)  # code -1 reads the appended 0.0

    @staticmethod
    def shares(incidence: sparse.csr_matrix, actor_codes: IntArray, n_codes: int) -> sparse.csc_matrix:
        """Share of each project's members in each place (project x place), precomputed once per graph."""
        known = np.flatnonzero(actor_codes >= 0)
        places = sparse.csr_matrix(
            (np.ones(known.size), (known, actor_codes[known])), shape=(actor_codes.size, n_codes), dtype=np.float64
        )
        sizes = np.maximum(np.asarray(incidence.getnnz(axis=1), dtype=np.float64), 1.0)
        return sparse.csc_matrix(sparse.diags(1.0 / sizes) @ (incidence @ places))

    @staticmethod
    def project_closeness(code: int, shares: sparse.csc_matrix, project_codes: IntArray) -> FloatArray:
        """Territorial fit of every project with one place: 1.0 if declared there, else share of members there."""
        if code < 0:
            return np.zeros(project_codes.size)
        share = shares[:, [code]].toarray().ravel()
        fit: FloatArray = np.where(project_codes >= 0, (project_codes == code).astype(np.float64), share)
        return fit


def unmet_masks(unmet: Sequence[tuple[str, ...]]) -> dict[str, BoolArray]:
    """For each need, which projects lack it (used to tell an actor where it is wanted)."""
    names = sorted({n for needs in unmet for n in needs} | set(NEED_PROVIDERS))
    masks = {n: np.zeros(len(unmet), dtype=bool) for n in names}
    for p, needs in enumerate(unmet):
        for n in needs:
            masks[n][p] = True
    return masks
