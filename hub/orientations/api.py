"""JSON API of the strategic orientations (problem details on refusals; writes need the X-CSRFToken header)."""

from __future__ import annotations

from typing import Any

from litestar import get, post, put
from litestar.params import FromPath, JSONBody

from hub.directory.services import get_actor_by_id
from hub.orientations import services
from hub.orientations.shapes import DeclarationInput, OrientationInput
from hub.projects.services import get_project_by_id
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def orientation_json(item: services.OrientationDetail, coverage: services.Coverage) -> dict[str, Any]:
    """An orientation with its sectors, territories and coverage totals."""
    o = item.orientation
    oid = o.id or 0
    return {
        "id": oid,
        "url": f"/orientations/{oid}",
        "title": o.title,
        "description": o.description,
        "sectors": item.sectors,
        "territories": item.territories,
        "starts_on": o.starts_on.isoformat(),
        "ends_on": o.ends_on.isoformat() if o.ends_on else None,
        "projects": coverage.total_projects(oid),
        "actors": coverage.total_actors(oid),
    }


@get("/api/v1/orientations", name="api.orientations.list")
@in_thread
def orientations(db_session: DbSession) -> dict[str, Any]:
    """Every strategic orientation with how many projects and actors (located in a région) serve it."""
    items = services.list_orientations(db_session)
    coverage = services.coverage(db_session)
    return {"total": len(items), "items": [orientation_json(i, coverage) for i in items]}


@get("/api/v1/orientations/{orientation_id:int}", name="api.orientations.detail")
@in_thread
def orientation(orientation_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One orientation and its coverage per région: {"coverage": [{"region_id", "projects", "actors"}]}."""
    item = services.get_orientation(db_session, orientation_id)
    coverage = services.coverage(db_session, [orientation_id])
    regions = sorted({r for _, r in coverage.projects} | {r for _, r in coverage.actors})
    return orientation_json(item, coverage) | {
        "coverage": [
            {
                "region_id": r,
                "projects": coverage.projects.get((orientation_id, r), 0),
                "actors": coverage.actors.get((orientation_id, r), 0),
            }
            for r in regions
        ]
    }


@post("/api/v1/orientations", name="api.orientations.create", status_code=201)
@in_thread
def create_orientation(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Publish an orientation (administrators): {"title", "description", "sectors", "territories", "starts_on", "ends_on"}."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    created = services.create_orientation(db_session, signed_in, validate(OrientationInput, data))
    db_session.commit()
    return orientation_json(services.get_orientation(db_session, created.id or 0), services.coverage(db_session, []))


@put("/api/v1/orientations/{orientation_id:int}", name="api.orientations.update")
@in_thread
def update_orientation(
    orientation_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Change an orientation (administrators); the body is the whole orientation."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    services.update_orientation(db_session, signed_in, orientation_id, validate(OrientationInput, data))
    db_session.commit()
    item = services.get_orientation(db_session, orientation_id)
    return orientation_json(item, services.coverage(db_session, [orientation_id]))


@get("/api/v1/projects/{project_id:int}/orientations", name="api.projects.orientations")
@in_thread
def project_orientations(project_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """The ids of the orientations a project declares it serves (public)."""
    project = get_project_by_id(db_session, project_id)
    return {"project_id": project.id, "orientations": services.served_by_project(db_session, project_id)}


@put("/api/v1/projects/{project_id:int}/orientations", name="api.projects.orientations_declare")
@in_thread
def declare_project(
    project_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Replace the orientations a project serves: {"orientations": [ids]} (those who may edit the project)."""
    signed_in = require_viewer(viewer)
    project = get_project_by_id(db_session, project_id)
    services.require_project_editor(db_session, signed_in, project)
    ids = services.declare_for_project(db_session, signed_in, project, validate(DeclarationInput, data))
    db_session.commit()
    return {"project_id": project.id, "orientations": ids}


@get("/api/v1/actors/{actor_id:int}/orientations", name="api.actors.orientations")
@in_thread
def actor_orientations(actor_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """The ids of the orientations an actor declares it serves (public)."""
    actor = get_actor_by_id(db_session, actor_id)
    return {"actor_id": actor.id, "orientations": services.served_by_actor(db_session, actor_id)}


@put("/api/v1/actors/{actor_id:int}/orientations", name="api.actors.orientations_declare")
@in_thread
def declare_actor(
    actor_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Replace the orientations an actor serves: {"orientations": [ids]} (the actor's members)."""
    signed_in = require_viewer(viewer)
    actor = get_actor_by_id(db_session, actor_id)
    services.require_actor_editor(db_session, signed_in, actor)
    ids = services.declare_for_actor(db_session, signed_in, actor, validate(DeclarationInput, data))
    db_session.commit()
    return {"actor_id": actor.id, "orientations": ids}


API = [
    orientations,
    orientation,
    create_orientation,
    update_orientation,
    project_orientations,
    declare_project,
    actor_orientations,
    declare_actor,
]
