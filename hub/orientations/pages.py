"""Pages of the strategic orientations: public list and coverage, administration, declarations by projects and actors."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.directory.services import get_actor
from hub.errors import InvalidInput
from hub.orientations import services
from hub.orientations.shapes import DeclarationInput, OrientationInput
from hub.projects.services import get_project
from hub.territories.services import list_departements, list_regions, list_sectors
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
DONE = {
    "publiee": "L’orientation est publiée.",
    "modifiee": "L’orientation est modifiée.",
    "declaree": "Les orientations servies sont enregistrées.",
}


def _names(session: Session) -> dict[str, Any]:
    regions = list_regions(session)
    departements = list_departements(session)
    return {
        "sector_names": {s.code: s.label for s in list_sectors(session)},
        "territory_names": {t.id: t.name for t in [*regions, *departements]},
        "regions": regions,
    }


def _show(request: Request[Any, Any, Any], template: str, viewer: Viewer | None, **context: Any) -> Template:
    return page(request, template, viewer, done=DONE.get(request.query_params.get("fait", "")), **context)


@get("/orientations", name="orientations.list")
@in_thread
def orientation_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The strategic orientations, with how many projects and actors serve each."""
    items = services.list_orientations(db_session)
    return _show(
        request,
        "orientations/orientation_list.html",
        viewer,
        items=items,
        coverage=services.coverage(db_session),
        today=utcnow().date(),
        **_names(db_session),
    )


@get("/orientations/couverture", name="orientations.coverage")
@in_thread
def coverage_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Coverage: per orientation and per région, the projects (and actors) that serve it."""
    return _show(
        request,
        "orientations/coverage.html",
        viewer,
        items=services.list_orientations(db_session),
        coverage=services.coverage(db_session),
        **_names(db_session),
    )


@get("/orientations/{orientation_id:int}", name="orientations.detail")
@in_thread
def orientation_detail(
    request: Request[Any, Any, Any], orientation_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One orientation, its sectors and territories, and its coverage by région."""
    item = services.get_orientation(db_session, orientation_id)
    return _show(
        request,
        "orientations/orientation_detail.html",
        viewer,
        item=item,
        coverage=services.coverage(db_session, [orientation_id]),
        **_names(db_session),
    )


# -- administration --------------------------------------------------------------------------------------------------


def _admin(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    return signed_in


@get("/administration/orientations", name="orientations.admin_list")
@in_thread
def admin_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Administrators: every orientation, with links to change them and to publish a new one."""
    _admin(viewer)
    return _show(
        request,
        "orientations/admin_list.html",
        viewer,
        items=services.list_orientations(db_session),
        **_names(db_session),
    )


def _form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    session: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    action: str,
) -> Template:
    return page(
        request,
        "orientations/orientation_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        action=action,
        sectors_options=[(s.code, s.label) for s in list_sectors(session)],
        regions_options=[(r.code, r.name) for r in list_regions(session)],
    )


def _input_from_form(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as OrientationInput fields (régions ticked, départements typed as INSEE codes)."""
    departements = [c.strip().upper() for c in str(values.get("departements", "")).replace(";", ",").split(",")]
    data: dict[str, Any] = {
        "title": values.get("title", ""),
        "description": values.get("description", ""),
        "sectors": values.get("sectors", []),
        "territories": [f"reg-{c}" for c in values.get("regions", [])] + [f"dep-{c}" for c in departements if c],
        "starts_on": values.get("starts_on") or None,
    }
    if values.get("ends_on"):
        data["ends_on"] = values["ends_on"]
    return data


def _form_errors(errors: dict[str, str]) -> dict[str, str]:
    out = dict(errors)
    if "territories" in out:
        out["regions"] = out.pop("territories")
    return out


def _values_of(item: services.OrientationDetail) -> dict[str, Any]:
    o = item.orientation
    return {
        "title": o.title,
        "description": o.description,
        "sectors": item.sectors,
        "regions": [t.removeprefix("reg-") for t in item.territories if t.startswith("reg-")],
        "departements": ", ".join(t.removeprefix("dep-") for t in item.territories if t.startswith("dep-")),
        "starts_on": o.starts_on.isoformat(),
        "ends_on": o.ends_on.isoformat() if o.ends_on else "",
    }


@get("/administration/orientations/nouvelle", name="orientations.create_form")
@in_thread
def create_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Administrators: the form to publish an orientation."""
    signed_in = _admin(viewer)
    values = {"sectors": [], "regions": [], "starts_on": utcnow().date().isoformat()}
    return _form(request, signed_in, db_session, values, {}, "/administration/orientations/nouvelle")


@post("/administration/orientations/nouvelle", name="orientations.create")
@in_thread
def create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish an orientation; errors come back next to each field and nothing is written."""
    signed_in = _admin(viewer)
    values = form_dict(data, lists=("sectors", "regions"))
    try:
        orientation = services.create_orientation(
            db_session, signed_in, validate(OrientationInput, _input_from_form(values))
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(
            request, signed_in, db_session, values, _form_errors(exc.errors), "/administration/orientations/nouvelle"
        )
    return Redirect(path=f"/orientations/{orientation.id}?fait=publiee", status_code=303)


@get("/administration/orientations/{orientation_id:int}/modifier", name="orientations.edit_form")
@in_thread
def edit_form(
    request: Request[Any, Any, Any], orientation_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """Administrators: the form to change an orientation."""
    signed_in = _admin(viewer)
    item = services.get_orientation(db_session, orientation_id)
    action = f"/administration/orientations/{orientation_id}/modifier"
    return _form(request, signed_in, db_session, _values_of(item), {}, action)


@post("/administration/orientations/{orientation_id:int}/modifier", name="orientations.edit")
@in_thread
def edit(
    request: Request[Any, Any, Any],
    orientation_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Change an orientation; errors come back next to each field."""
    signed_in = _admin(viewer)
    values = form_dict(data, lists=("sectors", "regions"))
    action = f"/administration/orientations/{orientation_id}/modifier"
    try:
        services.update_orientation(
            db_session, signed_in, orientation_id, validate(OrientationInput, _input_from_form(values))
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, _form_errors(exc.errors), action)
    return Redirect(path=f"/orientations/{orientation_id}?fait=modifiee", status_code=303)


# -- declarations ----------------------------------------------------------------------------------------------------


def _declaration_page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    session: Session,
    *,
    subject: str,
    name: str,
    back: str,
    selected: list[int],
    errors: dict[str, str],
) -> Template:
    return page(
        request,
        "orientations/declaration_form.html",
        viewer,
        status_code=422 if errors else 200,
        subject=subject,
        name=name,
        back=back,
        action=f"{back}/orientations",
        items=services.list_orientations(session),
        values={"orientations": [str(i) for i in selected]},
        errors=errors,
        done=DONE.get(request.query_params.get("fait", "")),
        today=utcnow().date(),
        **_names(session),
    )


def _ids(values: dict[str, Any]) -> dict[str, Any]:
    raw = values.get("orientations", [])
    if len(_well_formed(raw)) != len(raw):
        raise InvalidInput({"orientations": "Choisissez des orientations dans la liste."})
    return {"orientations": _well_formed(raw)}


def _well_formed(raw: list[Any]) -> list[int]:
    """The ticked values that can be orientation ids (digits, at most 9), as integers."""
    return [int(v) for v in raw if str(v).isdigit() and len(str(v)) <= 9]


@get("/projets/{slug:str}/orientations", name="orientations.project_form")
@in_thread
def project_form(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The orientations a project serves, for those who may edit the project."""
    signed_in = require_viewer(viewer)
    project = get_project(db_session, slug)
    services.require_project_editor(db_session, signed_in, project)
    selected = services.served_by_project(db_session, project.id or 0)
    return _declaration_page(
        request,
        signed_in,
        db_session,
        subject="projet",
        name=project.title,
        back=f"/projets/{project.slug}",
        selected=selected,
        errors={},
    )


@post("/projets/{slug:str}/orientations", name="orientations.project_declare")
@in_thread
def project_declare(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save the orientations a project serves."""
    signed_in = require_viewer(viewer)
    project = get_project(db_session, slug)
    services.require_project_editor(db_session, signed_in, project)
    values = form_dict(data, lists=("orientations",))
    try:
        services.declare_for_project(db_session, signed_in, project, validate(DeclarationInput, _ids(values)))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _declaration_page(
            request,
            signed_in,
            db_session,
            subject="projet",
            name=project.title,
            back=f"/projets/{project.slug}",
            selected=_well_formed(values["orientations"]),
            errors=exc.errors,
        )
    return Redirect(path=f"/projets/{project.slug}/orientations?fait=declaree", status_code=303)


@get("/annuaire/{slug:str}/orientations", name="orientations.actor_form")
@in_thread
def actor_form(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The orientations an actor serves, for its members."""
    signed_in = require_viewer(viewer)
    actor = get_actor(db_session, slug)
    services.require_actor_editor(db_session, signed_in, actor)
    selected = services.served_by_actor(db_session, actor.id or 0)
    return _declaration_page(
        request,
        signed_in,
        db_session,
        subject="acteur",
        name=actor.name,
        back=f"/annuaire/{actor.slug}",
        selected=selected,
        errors={},
    )


@post("/annuaire/{slug:str}/orientations", name="orientations.actor_declare")
@in_thread
def actor_declare(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save the orientations an actor serves."""
    signed_in = require_viewer(viewer)
    actor = get_actor(db_session, slug)
    services.require_actor_editor(db_session, signed_in, actor)
    values = form_dict(data, lists=("orientations",))
    try:
        services.declare_for_actor(db_session, signed_in, actor, validate(DeclarationInput, _ids(values)))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _declaration_page(
            request,
            signed_in,
            db_session,
            subject="acteur",
            name=actor.name,
            back=f"/annuaire/{actor.slug}",
            selected=_well_formed(values["orientations"]),
            errors=exc.errors,
        )
    return Redirect(path=f"/annuaire/{actor.slug}/orientations?fait=declaree", status_code=303)


PAGES = [
    orientation_list,
    coverage_page,
    orientation_detail,
    admin_list,
    create_form,
    create,
    edit_form,
    edit,
    project_form,
    project_declare,
    actor_form,
    actor_declare,
]
