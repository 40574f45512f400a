"""JSON API for projects: list with filters, detail, create, update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from hub.dedup import services as dedup
from hub.filters import KNOWN_PROJECT_PARAMS, check_known, project_filters, reference_choices
from hub.freshness import LIST_RESPONSES, cached_list
from hub.listing import parse_page
from hub.projects import services
from hub.projects.models import Project
from hub.projects.shapes import ProjectInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, problem, require_viewer


def project_json(db_session: Session, project: Project) -> dict[str, Any]:
    """The public JSON shape of a project."""
    return projects_json(db_session, [project])[0]


def projects_json(db_session: Session, projects: Sequence[Project]) -> list[dict[str, Any]]:
    """The public JSON shape of several projects, their links read in three queries."""
    ids = [p.id for p in projects if p.id is not None]
    sectors = services.project_sectors(db_session, ids)
    needs = services.needs_of(db_session, ids)
    partners = services.partners_of(db_session, ids)
    return [
        _project_json(
            p, [s.code for s in sectors.get(p.id or 0, [])], needs.get(p.id or 0, []), partners.get(p.id or 0, [])
        )
        for p in projects
    ]


def _project_json(
    project: Project, sectors: list[str], needs: list[str], partners: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": project.id,
        "slug": project.slug,
        "url": f"/projets/{project.slug}",
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "carrier_id": project.carrier_id,
        "partners": partners,
        "sectors": sectors,
        "phase": str(project.phase),
        "regulatory_status": str(project.regulatory_status),
        "reimbursement_status": str(project.reimbursement_status),
        "needs": needs,
        "has_patient_involvement": project.has_patient_involvement,
        "has_professional_involvement": project.has_professional_involvement,
        "region": (project.region_id or "").removeprefix("reg-") or None,
        "departement": (project.departement_id or "").removeprefix("dep-") or None,
        "status": str(project.status),
        "successor_id": project.successor_id,
        "year": project.year,
        "source": project.source,
        "source_url": project.source_url,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
    }


@get("/api/v1/projects", name="api.projects.list", responses=LIST_RESPONSES)
async def list_projects(request: Request[Any, Any, Any]) -> Response[Any]:
    """Active projects. Filters: phase, sector, region, departement (INSEE codes), need, carrier, q; page, per_page.

    Served from the worker's cache while no catalogue write has been committed since (ETag, 304 on If-None-Match).
    """
    params = dict(request.query_params)
    check_known(params, KNOWN_PROJECT_PARAMS)
    return await cached_list(request, "projects", params, _projects_page)


def _projects_page(db_session: Session, params: Mapping[str, str]) -> dict[str, Any]:
    filters = project_filters(reference_choices(db_session), params)
    page_number, per_page = parse_page(params)
    result = services.list_projects(db_session, filters, page=page_number, per_page=per_page)
    return {
        "items": projects_json(db_session, result.items),
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


@get("/api/v1/projects/{project_id:int}", name="api.projects.detail")
@in_thread
def get_project(project_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One project (a merged project shows its successor_id)."""
    return project_json(db_session, services.get_project_by_id(db_session, project_id))


def _confirmed(data: dict[str, Any]) -> bool:
    """Pops `confirm_distinct` (not a project field): the client says the project differs from its look-alikes."""
    return data.pop("confirm_distinct", False) is True


def _duplicates_problem(candidates: list[dedup.Candidate]) -> Response[dict[str, Any]]:
    response = problem(
        409,
        "Doublon probable",
        "Des projets semblables existent déjà. Vérifiez-les ; s’il s’agit d’un projet différent, "
        "renvoyez la requête avec « confirm_distinct »: true.",
    )
    body = dict(response.content) | {"candidates": [c.as_json() for c in candidates]}
    return Response(content=body, status_code=409, media_type="application/problem+json")


@post("/api/v1/projects", name="api.projects.create", status_code=201)
@in_thread
def create_project(
    data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> Response[dict[str, Any]]:
    """Create a project (signed in; X-CSRFToken header). Invalid fields: 422. Likely duplicates: 409 problem
    details with `candidates`, unless `confirm_distinct: true` (then 201 with `possible_duplicates`)."""
    require_viewer(viewer)
    confirmed = _confirmed(data)
    project_input = validate(ProjectInput, data)
    candidates = dedup.check_input(db_session, project_input)
    if candidates and not confirmed:
        return _duplicates_problem(candidates)
    project = services.create_project(db_session, project_input, viewer)
    dedup.check_project(db_session, project, declared_distinct=bool(candidates))
    db_session.commit()
    body = project_json(db_session, project) | {"possible_duplicates": [c.as_json() for c in candidates]}
    return Response(content=body, status_code=201)


@patch("/api/v1/projects/{project_id:int}", name="api.projects.update")
@in_thread
def update_project(
    project_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> Response[dict[str, Any]]:
    """Change some fields of a project (its creator, its carrier's members, administrators); same 409 as create."""
    require_viewer(viewer)
    confirmed = _confirmed(data)
    project = services.get_project_by_id(db_session, project_id)
    merged = services.project_to_input(db_session, project) | data
    merged = {k: v for k, v in merged.items() if k in ProjectInput.model_fields}
    project_input = validate(ProjectInput, merged)
    candidates = dedup.check_input(db_session, project_input, project_id=project_id)
    if candidates and not confirmed:
        return _duplicates_problem(candidates)
    services.update_project(db_session, project, project_input, viewer)
    dedup.check_project(db_session, project, declared_distinct=bool(candidates))
    db_session.commit()
    body = project_json(db_session, project) | {"possible_duplicates": [c.as_json() for c in candidates]}
    return Response(content=body, status_code=200)


ROUTES = [list_projects, get_project, create_project, update_project]
