"""JSON API for actors: list with filters, detail, create, update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from hub.directory import services
from hub.directory.models import Actor
from hub.directory.shapes import ActorInput
from hub.filters import KNOWN_ACTOR_PARAMS, actor_filters, check_known, reference_choices
from hub.freshness import LIST_RESPONSES, cached_list
from hub.listing import parse_page
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def actor_json(db_session: Session, actor: Actor) -> dict[str, Any]:
    """The public JSON shape of an actor."""
    return actors_json(db_session, [actor])[0]


def actors_json(db_session: Session, actors: Sequence[Actor]) -> list[dict[str, Any]]:
    """The public JSON shape of several actors, with their sectors and phases read in two queries."""
    ids = [a.id for a in actors if a.id is not None]
    sectors = services.actor_sectors(db_session, ids)
    phases = services.phases_of(db_session, ids)
    return [_actor_json(a, [s.code for s in sectors.get(a.id or 0, [])], phases.get(a.id or 0, [])) for a in actors]


def _actor_json(actor: Actor, sectors: list[str], phases: list[str]) -> dict[str, Any]:
    return {
        "id": actor.id,
        "slug": actor.slug,
        "url": f"/annuaire/{actor.slug}",
        "name": actor.name,
        "acronym": actor.acronym,
        "kind": str(actor.kind),
        "identifiers": {name: getattr(actor, name) for name in ("siren", "siret", "finess", "rna", "rnsr", "ror")},
        "address": actor.address,
        "postcode": actor.postcode,
        "commune": actor.commune,
        "region": (actor.region_id or "").removeprefix("reg-") or None,
        "departement": (actor.departement_id or "").removeprefix("dep-") or None,
        "latitude": actor.latitude,
        "longitude": actor.longitude,
        "sectors": sectors,
        "phases": phases,
        "is_experimentation_volunteer": actor.is_experimentation_volunteer,
        "experimentation_offer": actor.experimentation_offer,
        "description": actor.description,
        "website": actor.website,
        "verification_status": str(actor.verification_status),
        "is_claimed": actor.is_claimed,
        "source": actor.source,
        "source_url": actor.source_url,
        "created_at": actor.created_at.isoformat(),
        "updated_at": actor.updated_at.isoformat(),
    }


@get("/api/v1/actors", name="api.actors.list", responses=LIST_RESPONSES)
async def list_actors(request: Request[Any, Any, Any]) -> Response[Any]:
    """Actors of the directory. Filters: kind, sector, region, departement (INSEE codes), phase, volunteer, q; page, per_page.

    Served from the worker's cache while no catalogue write has been committed since (ETag, 304 on If-None-Match).
    """
    params = dict(request.query_params)
    check_known(params, KNOWN_ACTOR_PARAMS)
    return await cached_list(request, "actors", params, _actors_page)


def _actors_page(db_session: Session, params: Mapping[str, str]) -> dict[str, Any]:
    filters = actor_filters(reference_choices(db_session), params)
    page_number, per_page = parse_page(params)
    result = services.list_actors(db_session, filters, page=page_number, per_page=per_page)
    return {
        "items": actors_json(db_session, result.items),
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


@get("/api/v1/actors/{actor_id:int}", name="api.actors.detail")
@in_thread
def get_actor(actor_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One actor."""
    return actor_json(db_session, services.get_actor_by_id(db_session, actor_id))


@post("/api/v1/actors", name="api.actors.create", status_code=201)
@in_thread
def create_actor(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Create an actor (signed in; send the X-CSRFToken header). Invalid fields: 422 problem details."""
    require_viewer(viewer)
    actor = services.create_actor(db_session, validate(ActorInput, data), viewer)
    db_session.commit()
    return actor_json(db_session, actor)


@patch("/api/v1/actors/{actor_id:int}", name="api.actors.update")
@in_thread
def update_actor(
    actor_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Change some fields of an actor (its members and administrators)."""
    require_viewer(viewer)
    actor = services.get_actor_by_id(db_session, actor_id)
    merged = services.actor_to_input(db_session, actor) | data
    merged = {k: v for k, v in merged.items() if k in ActorInput.model_fields}
    services.update_actor(db_session, actor, validate(ActorInput, merged), viewer)
    db_session.commit()
    return actor_json(db_session, actor)


ROUTES = [list_actors, get_actor, create_actor, update_actor]
