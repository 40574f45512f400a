"""The map's figures: indicators, their filters, and the count of each indicator per territory.

An indicator is what the map colours territories by (actors, projects, volunteers for
experimentation, available professionals, hours used, referents). Each one accepts only the
filters that mean something for it; a filter it does not accept, an unknown value or an unknown
indicator is refused with InvalidFilter (400), never silently ignored. Territories without data
count 0.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.db import utcnow
from hub.directory.models import ACTOR_KIND_LABELS, Actor, ActorKind, ActorPhaseLink, ActorSector, VerificationStatus
from hub.exchanges.models import AVAILABILITY_PHASE_LABELS, Availability, OfferedAs
from hub.ledger.models import AccountKind, LedgerAccount
from hub.listing import InvalidFilter
from hub.projects.models import PROJECT_PHASE_LABELS, Project, ProjectSector, ProjectStatus
from hub.territories.models import TerritoryLevel

ACTOR_PHASES = ("conception", "experimentation", "development", "deployment")
PROJECT_PHASES = tuple(str(p) for p in PROJECT_PHASE_LABELS)
AVAILABILITY_PHASES = tuple(str(p) for p in AVAILABILITY_PHASE_LABELS)
PHASE_LABELS: dict[str, str] = {str(k): v for k, v in PROJECT_PHASE_LABELS.items()} | {
    str(k): v for k, v in AVAILABILITY_PHASE_LABELS.items()
}
KIND_LABELS: dict[str, str] = {str(k): v for k, v in ACTOR_KIND_LABELS.items()}
FILTER_LABELS = {"sector": "secteur", "phase": "phase", "kind": "type d’acteur"}


@dataclass(frozen=True, slots=True)
class Indicator:
    """One thing the map can count, in French, with the filters it accepts and where its lists live."""

    code: str
    plural: str  # "projets": the unit in "Bretagne : 42 projets"
    singular: str
    phases: tuple[str, ...]  # accepted values of the phase filter; empty: no phase filter
    has_kind: bool
    list_path: str | None  # the list behind a number, filtered by territory (None: the territory's page)
    list_flags: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The indicator as a menu item: "Nombre de projets", "Nombre d’heures utilisées"."""
        return f"Nombre d’{self.plural}" if self.plural[:1] in "aehiouy" else f"Nombre de {self.plural}"


INDICATORS: dict[str, Indicator] = {
    "projects": Indicator("projects", "projets", "projet", PROJECT_PHASES, False, "/projets"),
    "actors": Indicator("actors", "acteurs", "acteur", ACTOR_PHASES, True, "/annuaire"),
    "volunteers": Indicator(
        "volunteers",
        "lieux d’expérimentation volontaires",
        "lieu d’expérimentation volontaire",
        ACTOR_PHASES,
        True,
        "/annuaire",
        (("volunteer", "1"),),
    ),
    "professionals": Indicator(
        "professionals", "professionnels disponibles", "professionnel disponible", AVAILABILITY_PHASES, False, None
    ),
    "hours": Indicator("hours", "heures utilisées", "heure utilisée", PROJECT_PHASES, False, "/projets"),
}
REFERENTS = Indicator("referents", "référents", "référent", (), False, "/referents")


def _referent_counter() -> Callable[[Session, TerritoryLevel], Mapping[str, int]] | None:
    """hub.referents.services.count_referents_by_territory, once that domain provides it."""
    try:
        module = importlib.import_module("hub.referents.services")
    except ImportError:
        return None
    counter = getattr(module, "count_referents_by_territory", None)
    return counter if callable(counter) else None


def available_indicators() -> dict[str, Indicator]:
    """The indicators this installation can count (referents once their domain exists)."""
    if _referent_counter() is None:
        return dict(INDICATORS)
    return INDICATORS | {"referents": REFERENTS}


@dataclass(frozen=True, slots=True)
class MapFilters:
    """The filters of one map: all optional; `key()` is part of every cache key."""

    sector: str | None = None
    phase: str | None = None
    kind: str | None = None

    def key(self) -> tuple[str, str, str]:
        """A hashable form of the filters."""
        return (self.sector or "", self.phase or "", self.kind or "")

    def query(self) -> dict[str, str]:
        """The filters as query parameters (only those set)."""
        return {
            name: value
            for name, value in (("sector", self.sector), ("phase", self.phase), ("kind", self.kind))
            if value
        }


def parse_indicator(raw: str | None, *, param: str) -> Indicator:
    """The indicator named `raw` (projects by default), or InvalidFilter listing the valid ones."""
    indicators = available_indicators()
    value = (raw or "").strip() or "projects"
    if value not in indicators:
        known = ", ".join(indicators)
        raise InvalidFilter(param, f"Indicateur inconnu : « {value[:50]} ». Indicateurs possibles : {known}.")
    return indicators[value]


def parse_filters(params: Mapping[str, str], indicator: Indicator, sector_codes: set[str]) -> MapFilters:
    """Sector, phase and kind from `params`, checked against what `indicator` accepts."""
    sector = params.get("sector", "").strip() or None
    phase = params.get("phase", "").strip() or None
    kind = params.get("kind", "").strip() or None
    if sector is not None and sector not in sector_codes:
        raise InvalidFilter("sector", f"Secteur inconnu : « {sector[:50]} ».")
    if phase is not None:
        if phase not in PHASE_LABELS:
            raise InvalidFilter("phase", f"Phase inconnue : « {phase[:50]} ».")
        if phase not in indicator.phases:
            allowed = ", ".join(PHASE_LABELS[p] for p in indicator.phases) or "aucune"
            raise InvalidFilter(
                "phase",
                f"La phase « {PHASE_LABELS[phase]} » ne s’applique pas à l’indicateur « {indicator.plural} » "
                f"(phases possibles : {allowed}).",
            )
    if kind is not None:
        if kind not in KIND_LABELS:
            raise InvalidFilter("kind", f"Type d’acteur inconnu : « {kind[:50]} ».")
        if not indicator.has_kind:
            raise InvalidFilter("kind", f"Le type d’acteur ne s’applique pas à l’indicateur « {indicator.plural} ».")
    if indicator.code == "referents" and sector is not None:
        raise InvalidFilter("sector", "Le secteur ne s’applique pas encore à l’indicateur « référents ».")
    return MapFilters(sector=sector, phase=phase, kind=kind)


def list_url(indicator: Indicator, filters: MapFilters, territory_id: str) -> str:
    """The list behind one number: the directory or the catalogue filtered like the map, or the territory's page."""
    if indicator.list_path is None:
        return f"/territoires/{territory_id}"
    level, _, code = territory_id.partition("-")
    params = {("region" if level == "reg" else "departement"): code, **dict(indicator.list_flags)}
    params |= filters.query()
    return f"{indicator.list_path}?{urlencode(params)}"


def _column(model: Any, level: TerritoryLevel) -> Any:
    return col(model.region_id) if level == TerritoryLevel.REGION else col(model.departement_id)


def _count_actors(session: Session, level: TerritoryLevel, filters: MapFilters, *, volunteers: bool) -> dict[str, int]:
    column = _column(Actor, level)
    statement = select(column, func.count()).where(
        col(Actor.verification_status) != VerificationStatus.WITHDRAWN, column.is_not(None)
    )
    if volunteers:
        statement = statement.where(col(Actor.is_experimentation_volunteer))
    if filters.sector:
        statement = statement.where(
            col(Actor.id).in_(select(ActorSector.actor_id).where(col(ActorSector.sector_code) == filters.sector))
        )
    if filters.phase:
        statement = statement.where(
            col(Actor.id).in_(select(ActorPhaseLink.actor_id).where(col(ActorPhaseLink.phase) == filters.phase))
        )
    if filters.kind:
        statement = statement.where(col(Actor.kind) == ActorKind(filters.kind))
    if not (filters.sector or filters.phase or volunteers):
        # Nearly every actor matches: one pass over the table beats 19,000 lookups through the région index.
        statement = statement.with_hint(Actor, "NOT INDEXED", dialect_name="sqlite")
    return {str(t): int(n) for t, n in session.exec(statement.group_by(column)).all()}


def _project_statement(columns: Any, filters: MapFilters) -> Any:
    statement = select(*columns).where(col(Project.status) == ProjectStatus.ACTIVE)
    if filters.sector:
        statement = statement.where(
            col(Project.id).in_(
                select(ProjectSector.project_id).where(col(ProjectSector.sector_code) == filters.sector)
            )
        )
    if filters.phase:
        statement = statement.where(col(Project.phase) == filters.phase)
    return statement


def _count_projects(session: Session, level: TerritoryLevel, filters: MapFilters) -> dict[str, int]:
    column = _column(Project, level)
    if filters.sector or filters.phase:
        statement = _project_statement((column, func.count()), filters).where(column.is_not(None)).group_by(column)
        return {str(t): int(n) for t, n in session.exec(statement).all()}
    # Unfiltered: every project counted from the territory index alone, minus the few that are not active
    # (found through the status index). Reading the status of 13,000 wide rows took 40 ms on the seed x 10.
    counts = {
        str(t): int(n)
        for t, n in session.exec(select(column, func.count()).where(column.is_not(None)).group_by(column)).all()
    }
    inactive = [status for status in ProjectStatus if status != ProjectStatus.ACTIVE]
    for t, n in session.exec(
        select(column, func.count()).where(col(Project.status).in_(inactive), column.is_not(None)).group_by(column)
    ).all():
        counts[str(t)] -= int(n)
    return {t: n for t, n in counts.items() if n}


def _count_professionals(session: Session, level: TerritoryLevel, filters: MapFilters) -> dict[str, int]:
    """Availabilities offered by health professionals, not withdrawn nor ended (the rule of the exchanges domain)."""
    today = utcnow().date()
    rows = session.exec(
        select(Availability.region_id, Availability.departement_id, Availability.sectors, Availability.phases).where(
            col(Availability.offered_as) == OfferedAs.HEALTH_PROFESSIONAL,
            col(Availability.is_withdrawn).is_(False),
            col(Availability.ends_on) >= today,
        )
    ).all()
    counts: dict[str, int] = {}
    for region, departement, sectors, phases in rows:
        territory = region if level == TerritoryLevel.REGION else departement
        if territory is None:
            continue
        # An availability with no sector (or no phase) listed is open to every sector (or phase).
        if filters.sector and sectors and filters.sector not in sectors:
            continue
        if filters.phase and phases and filters.phase not in phases:
            continue
        counts[territory] = counts.get(territory, 0) + 1
    return counts


def hours_of_minutes(minutes: int) -> int:
    """Whole hours, rounded half up (the map counts integers; 90 minutes shows as 2 hours)."""
    return (minutes + 30) // 60


def _count_hours(session: Session, level: TerritoryLevel, filters: MapFilters) -> dict[str, int]:
    """Hours used on projects (posted balance of each project's ledger account), by the project's territory."""
    balances: dict[int, int] = {}
    for code, balance in session.exec(
        select(LedgerAccount.code, LedgerAccount.balance).where(
            col(LedgerAccount.kind) == AccountKind.PROJECT, col(LedgerAccount.balance) != 0
        )
    ).all():
        project_id = code.removeprefix("project:")
        if project_id.isdigit():
            balances[int(project_id)] = int(balance)
    if not balances:
        return {}
    column = _column(Project, level)
    statement = _project_statement((col(Project.id), column), filters).where(
        col(Project.id).in_(list(balances)), column.is_not(None)
    )
    minutes: dict[str, int] = {}
    for project_id, territory in session.exec(statement).all():
        minutes[str(territory)] = minutes.get(str(territory), 0) + balances[int(project_id)]
    return {territory: hours_of_minutes(total) for territory, total in minutes.items()}


def count_by_territory(
    session: Session, indicator: Indicator, level: TerritoryLevel, filters: MapFilters
) -> dict[str, int]:
    """Per territory id of `level`, the indicator's figure under `filters` (territories without data are absent)."""
    if indicator.code == "projects":
        return _count_projects(session, level, filters)
    if indicator.code in ("actors", "volunteers"):
        return _count_actors(session, level, filters, volunteers=indicator.code == "volunteers")
    if indicator.code == "professionals":
        return _count_professionals(session, level, filters)
    if indicator.code == "hours":
        return _count_hours(session, level, filters)
    counter = _referent_counter()
    if indicator.code == "referents" and counter is not None:
        return {str(t): int(n) for t, n in counter(session, level).items()}
    raise InvalidFilter("indicator", f"Indicateur inconnu : « {indicator.code} ».")
