"""Catalogue pages: list with filters, project page, create and edit forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.changelog.services import list_changes
from hub.dedup import decisions as dedup_decisions
from hub.dedup import services as dedup
from hub.directory.models import Actor, ActorMembership, MembershipStatus
from hub.errors import InvalidInput, PermissionDenied
from hub.exchanges import services as exchanges_services
from hub.filters import KNOWN_PROJECT_PARAMS, check_known, project_filters, reference_choices
from hub.freshness import cached_page
from hub.listing import parse_page
from hub.matchmaking.services import project_panel
from hub.projects import services
from hub.projects.models import PartnerRole, ProjectNeed, ProjectPhase, RegulatoryStatus, ReimbursementStatus
from hub.projects.shapes import ProjectInput
from hub.territories.services import territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, flash_cookie, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
_LISTS = ("sectors", "needs")
_FLAGS = ("has_patient_involvement", "has_professional_involvement", "confirm_distinct")
_CONFIRM = "Des projets semblables existent déjà : ouvrez-les pour vérifier, puis cochez cette case s’il s’agit bien d’un projet différent."


def _carrier_choices(db_session: DbSession, viewer: Viewer) -> list[Actor]:
    statement = select(Actor).join(ActorMembership, col(ActorMembership.actor_id) == col(Actor.id))
    statement = statement.where(
        col(ActorMembership.account_id) == viewer.account_id, col(ActorMembership.status) == MembershipStatus.APPROVED
    )
    return list(db_session.exec(statement.order_by(col(Actor.name))).all())


def _choices(db_session: DbSession) -> dict[str, Any]:
    return reference_choices(db_session) | {
        "phases": list(ProjectPhase),
        "needs": list(ProjectNeed),
        "regulatory_statuses": list(RegulatoryStatus),
        "reimbursement_statuses": list(ReimbursementStatus),
        "partner_roles": list(PartnerRole),
    }


@get("/projets", name="projects.list")
async def project_list(request: Request[Any, Any, Any]) -> Response[Any]:
    """The catalogue with its filters and pagination. Anonymous visitors get the worker's cached copy while the catalogue is unchanged."""
    params = dict(request.query_params)
    check_known(params, KNOWN_PROJECT_PARAMS)
    return await cached_page(request, "projects/project_list.html", "projects-page", params, _project_list_context)


def _project_list_context(db_session: Session, params: Mapping[str, str]) -> dict[str, Any]:
    choices = _choices(db_session)
    filters = project_filters(choices, params)
    page_number, per_page = parse_page(params)
    result = services.list_projects(db_session, filters, page=page_number, per_page=per_page)
    sectors = services.project_sectors(db_session, [item.id for item in result.items if item.id is not None])
    return {
        "result": result,
        "params": params,
        "item_sectors": sectors,
        "names": territory_names(db_session),
        **choices,
    }


@get("/projets/{slug:str}", name="projects.detail")
@in_thread
def project_detail(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer, state: State
) -> Template | Response[Any]:
    """A project's page; a merged project redirects to its successor."""
    project = services.get_project(db_session, slug)
    if project.successor_id is not None:
        successor = services.get_project_by_id(db_session, project.successor_id)
        return Redirect(path=f"/projets/{successor.slug}", status_code=301)
    assert project.id is not None
    carrier = db_session.get(Actor, project.carrier_id) if project.carrier_id else None
    return page(
        request,
        "projects/project_detail.html",
        viewer,
        project=project,
        carrier=carrier,
        sectors=services.project_sectors(db_session, [project.id])[project.id],
        needs=services.project_needs(db_session, project.id),
        partners=services.project_partners(db_session, project.id),
        can_edit=services.can_edit_project(db_session, viewer, project),
        changes=list_changes(db_session, "project", project.id)[:20],
        names=territory_names(db_session, [project.region_id, project.departement_id]),
        duplicates=dedup_decisions.project_duplicates(db_session, project),
        suggestion_panel=project_panel(db_session, state.suggestion_graphs, project, viewer),
        availability_matches=exchanges_services.matching_people(
            db_session, viewer, project, exchanges_services.today()
        ),
    )


def _form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
    project: Any = None,
    candidates: list[dedup.Candidate] | None = None,
) -> Template:
    errors = {("partner_lines" if field == "partners" else field): message for field, message in errors.items()}
    return page(
        request,
        "projects/project_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        project=project,
        candidates=[c.as_json() for c in candidates or []],
        carriers_options=[(a.id, a.name) for a in _carrier_choices(db_session, viewer)],
        **_choices(db_session),
    )


def _input_values(db_session: DbSession, data: JSONBody[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values to show again, values to validate) from the submitted form."""
    values = form_dict(data, lists=_LISTS, flags=_FLAGS)
    to_validate = {k: v for k, v in values.items() if k not in ("partner_lines", "confirm_distinct")}
    to_validate["partners"] = services.resolve_partner_lines(db_session, str(values.get("partner_lines", "")))
    if to_validate.get("carrier_id") in ("", None):
        to_validate["carrier_id"] = None
    return values, to_validate


@get("/projets/nouveau", name="projects.create_form")
@in_thread
def project_create_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to add a project."""
    signed_in = require_viewer(viewer, "Connectez-vous pour ajouter un projet.")
    return _form(request, signed_in, db_session, {"sectors": [], "needs": [], "partner_lines": ""}, {})


@post("/projets/nouveau", name="projects.create")
@in_thread
def project_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Create a project from the form; errors come back next to each field."""
    signed_in = require_viewer(viewer, "Connectez-vous pour ajouter un projet.")
    values: dict[str, Any] = form_dict(data, lists=_LISTS, flags=_FLAGS)
    try:
        values, to_validate = _input_values(db_session, data)
        project_input = validate(ProjectInput, to_validate)
        candidates = dedup.check_input(db_session, project_input)
        if candidates and not values["confirm_distinct"]:
            return _form(request, signed_in, db_session, values, {"confirm_distinct": _CONFIRM}, None, candidates)
        project = services.create_project(db_session, project_input, signed_in)
        dedup.check_project(db_session, project, declared_distinct=bool(candidates))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, exc.errors)
    response = Redirect(path=f"/projets/{project.slug}", status_code=303)
    response.set_cookie(flash_cookie("project_created"))
    return response


@get("/projets/{slug:str}/modifier", name="projects.edit_form")
@in_thread
def project_edit_form(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The form to edit a project."""
    signed_in = require_viewer(viewer)
    project = services.get_project(db_session, slug)
    if not services.can_edit_project(db_session, signed_in, project):
        raise PermissionDenied("Seuls le porteur du projet, son créateur ou un administrateur peuvent le modifier.")
    values = services.project_to_input(db_session, project)
    assert project.id is not None
    values["partner_lines"] = services.partner_lines(db_session, project.id)
    return _form(request, signed_in, db_session, values, {}, project)


@post("/projets/{slug:str}/modifier", name="projects.edit")
@in_thread
def project_edit(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save a project's changes (logged)."""
    signed_in = require_viewer(viewer)
    project = services.get_project(db_session, slug)
    values: dict[str, Any] = form_dict(data, lists=_LISTS, flags=_FLAGS)
    try:
        values, to_validate = _input_values(db_session, data)
        project_input = validate(ProjectInput, to_validate)
        candidates = dedup.check_input(db_session, project_input, project_id=project.id)
        if candidates and not values["confirm_distinct"]:
            return _form(request, signed_in, db_session, values, {"confirm_distinct": _CONFIRM}, project, candidates)
        services.update_project(db_session, project, project_input, signed_in)
        dedup.check_project(db_session, project, declared_distinct=bool(candidates))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, exc.errors, project)
    response = Redirect(path=f"/projets/{project.slug}", status_code=303)
    response.set_cookie(flash_cookie("project_updated"))
    return response


ROUTES = [project_list, project_create_form, project_create, project_detail, project_edit_form, project_edit]
