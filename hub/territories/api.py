"""JSON API for the reference data: territories and sectors."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromPath

from hub.territories.services import get_territory, list_departements, list_regions, list_sectors
from hub.web import DbSession, in_thread


def _territory_json(t: Any, *, with_geometry: bool = False) -> dict[str, Any]:
    data = {"id": t.id, "level": str(t.level), "code": t.code, "name": t.name, "parent_id": t.parent_id, "zone": t.zone}
    if with_geometry:
        data["geometry"] = t.geometry
    return data


@get("/api/v1/territories", name="api.territories.list")
@in_thread
def list_territories(db_session: DbSession) -> dict[str, Any]:
    """The 18 régions and 101 départements (without geometry)."""
    items = [_territory_json(t) for t in [*list_regions(db_session), *list_departements(db_session)]]
    return {"items": items, "total": len(items)}


@get("/api/v1/territories/{territory_id:str}", name="api.territories.detail")
@in_thread
def territory_detail(territory_id: FromPath[str], db_session: DbSession) -> dict[str, Any]:
    """One territory with its GeoJSON geometry (WGS84)."""
    return _territory_json(get_territory(db_session, territory_id), with_geometry=True)


@get("/api/v1/sectors", name="api.sectors.list")
@in_thread
def sectors(db_session: DbSession) -> dict[str, Any]:
    """The sector vocabulary."""
    items = [
        {"code": s.code, "label": s.label, "family": str(s.family), "description": s.description}
        for s in list_sectors(db_session)
    ]
    return {"items": items, "total": len(items)}


ROUTES = [list_territories, territory_detail, sectors]
