"""JSON API of the referents: who covers what, the white zones, and assignments for administrators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from hub.errors import InvalidInput
from hub.filters import reference_choices
from hub.listing import parse_choice
from hub.referents import services
from hub.referents.models import ReferentAssignment
from hub.referents.services import AssignmentRow, WhiteZone
from hub.territories.models import TerritoryLevel
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def assignment_json(row: AssignmentRow) -> dict[str, Any]:
    """The public view of an assignment (the person's name only if their profile is public)."""
    a = row.assignment
    return {
        "id": a.id,
        "name": row.name,
        "profession": row.profession or None,
        "territory": a.territory_id,
        "territory_name": row.territory_name,
        "sectors": list(a.sectors),
        "is_regional_generalist": a.is_regional_generalist,
        "role": str(a.role),
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat() if a.ends_on else None,
    }


def _created_json(a: ReferentAssignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "account_id": a.account_id,
        "territory": a.territory_id,
        "sectors": list(a.sectors),
        "role": str(a.role),
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat() if a.ends_on else None,
    }


def zone_json(zone: WhiteZone) -> dict[str, Any]:
    """One territory and its sectors without a referent."""
    return {
        "territory": zone.territory_id,
        "name": zone.name,
        "level": zone.level,
        "region": zone.parent_id,
        "sectors": zone.sectors,
    }


def parse_filters(reference: Mapping[str, Any], params: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """(territory id, sector code, région id) from `region`/`departement` INSEE codes and `sector`, checked against
    `reference_choices`; an unknown value is a 400 naming the filter."""
    region = parse_choice(params, "region", {r.code for r in reference["regions"]})
    departement = parse_choice(params, "departement", {d.code for d in reference["departements"]})
    sector = parse_choice(params, "sector", {s.code for s in reference["sectors"]})
    region_id = f"reg-{region}" if region else None
    return (f"dep-{departement}" if departement else region_id), sector, region_id


@get("/api/v1/referents", name="api.referents.list")
@in_thread
def referents(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Current referents (`?region=75`, `?departement=33`, `?sector=oncologie`); unknown values: 400."""
    territory, sector, _ = parse_filters(reference_choices(db_session), request.query_params)
    rows = services.list_assignments(db_session, territory=territory, sector=sector)
    return {"count": len(rows), "items": [assignment_json(r) for r in rows]}


@get("/api/v1/zones-blanches", name="api.referents.white_zones")
@in_thread
def zones_blanches(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Territory × sector pairs without a current referent (`?niveau=region|departement`, `region`, `sector`)."""
    level = parse_choice(request.query_params, "niveau", {lvl.value for lvl in TerritoryLevel}) or "departement"
    _, sector, region = parse_filters(reference_choices(db_session), request.query_params)
    zones = services.white_zones(db_session, level, sector=sector, region=region)
    return {
        "level": level,
        "territories": len(zones),
        "pairs": sum(len(z.sectors) for z in zones),
        "items": [zone_json(z) for z in zones],
    }


@post("/api/v1/referents", name="api.referents.create", status_code=201)
@in_thread
def create(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Name a referent (administrators; X-CSRFToken header). Refusals: 422 problem details with field errors."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    if not isinstance(data, dict):
        raise InvalidInput({"__all__": "Le corps de la requête doit être un objet JSON."})
    assignment = services.create_assignment(db_session, signed_in, services.parse_assignment(data))
    db_session.commit()
    return _created_json(assignment)


@post("/api/v1/referents/{assignment_id:int}/end", name="api.referents.end", status_code=200)
@in_thread
def end(
    assignment_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """End a term on `ends_on` (administrators): before its start: 422; already over: 409."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    if not isinstance(data, dict):
        raise InvalidInput({"__all__": "Le corps de la requête doit être un objet JSON."})
    assignment = services.end_assignment(db_session, signed_in, assignment_id, services.parse_end(data))
    db_session.commit()
    return _created_json(assignment)


ROUTES = [referents, zones_blanches, create, end]
