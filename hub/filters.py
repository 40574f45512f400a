"""Reading the directory's and the catalogue's filters from query parameters (HTML and API alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from hub.directory.models import ActorKind, ActorPhase
from hub.directory.services import ActorFilters
from hub.listing import InvalidFilter, parse_choice, parse_flag, parse_text
from hub.projects.models import ProjectNeed, ProjectPhase
from hub.projects.services import ProjectFilters
from hub.territories.services import list_departements, list_regions, list_sectors


def _territory_filters(reference: Mapping[str, Any], params: Mapping[str, str]) -> tuple[str | None, str | None]:
    region = parse_choice(params, "region", {t.code for t in reference["regions"]})
    departement = parse_choice(params, "departement", {t.code for t in reference["departements"]})
    return (f"reg-{region}" if region else None), (f"dep-{departement}" if departement else None)


def actor_filters(reference: Mapping[str, Any], params: Mapping[str, str]) -> ActorFilters:
    """The directory filters in `params` (checked against `reference_choices`), or InvalidFilter naming the wrong one."""
    region, departement = _territory_filters(reference, params)
    return ActorFilters(
        kind=parse_choice(params, "kind", {k.value for k in ActorKind}),
        sector=parse_choice(params, "sector", {s.code for s in reference["sectors"]}),
        region=region,
        departement=departement,
        phase=parse_choice(params, "phase", {p.value for p in ActorPhase}),
        volunteer=parse_flag(params, "volunteer"),
        q=parse_text(params, "q"),
    )


def project_filters(reference: Mapping[str, Any], params: Mapping[str, str]) -> ProjectFilters:
    """The catalogue filters in `params` (checked against `reference_choices`), or InvalidFilter naming the wrong one."""
    region, departement = _territory_filters(reference, params)
    carrier_raw = params.get("carrier", "").strip()
    if carrier_raw and (not carrier_raw.isdigit() or len(carrier_raw) > 9):
        raise InvalidFilter("carrier", "« carrier » attend l’identifiant numérique d’un acteur.")
    return ProjectFilters(
        phase=parse_choice(params, "phase", {p.value for p in ProjectPhase}),
        sector=parse_choice(params, "sector", {s.code for s in reference["sectors"]}),
        region=region,
        departement=departement,
        need=parse_choice(params, "need", {n.value for n in ProjectNeed}),
        carrier=int(carrier_raw) if carrier_raw else None,
        q=parse_text(params, "q"),
    )


def reference_choices(session: Session) -> dict[str, Any]:
    """Sectors, régions and départements for filter menus and forms, as rows and as (value, label) options."""
    sectors = list_sectors(session)
    regions = list_regions(session)
    departements = list_departements(session)
    return {
        "sectors": sectors,
        "regions": regions,
        "departements": departements,
        "sectors_options": [(s.code, s.label) for s in sectors],
        "regions_options": [(r.code, r.name) for r in regions],
        "departements_options": [(d.code, f"{d.code} — {d.name}") for d in departements],
    }


KNOWN_ACTOR_PARAMS = frozenset(
    {"kind", "sector", "region", "departement", "phase", "volunteer", "q", "page", "per_page"}
)
KNOWN_PROJECT_PARAMS = frozenset(
    {"phase", "sector", "region", "departement", "need", "carrier", "q", "page", "per_page"}
)


def check_known(params: Mapping[str, str], known: frozenset[str]) -> None:
    """An unknown query parameter is an error rather than a silently ignored filter."""
    for name in params:
        if name not in known:
            raise InvalidFilter(name[:50], f"Filtre inconnu : « {name[:50]} ».")
