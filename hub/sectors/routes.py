"""Sector pages: where each sector is strongest (pôles de compétences). Registered through hub.orientations.routes."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from hub.errors import NotFound
from hub.sectors.models import SECTOR_FAMILY_LABELS
from hub.territories.services import list_regions, list_sectors, specialisation_counts
from hub.territories.specialisation import MIN_SPECIALISATION_COUNT, STRONG_QUOTIENT, location_quotients
from hub.web import CurrentViewer, DbSession, in_thread, page


@get("/secteurs", name="sectors.list")
@in_thread
def sector_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every sector, with the régions where it is strongest."""
    sectors = list_sectors(db_session)
    names = {r.id: r.name for r in list_regions(db_session)}
    strongest: dict[str, list[Any]] = {}
    for item in location_quotients(*specialisation_counts(db_session)):
        if item.is_strong:
            strongest.setdefault(item.sector_code, []).append(item)
    return page(
        request,
        "territories/sector_list.html",
        viewer,
        sectors=sectors,
        strongest=strongest,
        region_names=names,
        family_labels=SECTOR_FAMILY_LABELS,
    )


@get("/secteurs/{code:str}", name="sectors.detail")
@in_thread
def sector_detail(
    request: Request[Any, Any, Any], code: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One sector: the régions ranked by specialisation index, with their counts."""
    sector = next((s for s in list_sectors(db_session) if s.code == code), None)
    if sector is None:
        raise NotFound("Ce secteur n’existe pas.")
    regions = list_regions(db_session)
    quotients = [q for q in location_quotients(*specialisation_counts(db_session)) if q.sector_code == sector.code]
    return page(
        request,
        "territories/sector_detail.html",
        viewer,
        sector=sector,
        quotients=quotients,
        region_names={r.id: r.name for r in regions},
        region_codes={r.id: r.code for r in regions},
        min_count=MIN_SPECIALISATION_COUNT,
        strong_quotient=STRONG_QUOTIENT,
        family_labels=SECTOR_FAMILY_LABELS,
    )


ROUTES = [sector_list, sector_detail]
