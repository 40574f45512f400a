"""Pages of the needs from the field: list with filters, form, detail with support, comments and qualification,
and the page where a project declares which needs it answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.errors import Conflict, InvalidInput
from hub.filters import check_known, reference_choices
from hub.listing import parse_choice, parse_page
from hub.needs import services
from hub.needs.models import AFFECTED_LABELS, NEED_STATUS_LABELS, Need, NeedStatus
from hub.needs.shapes import CommentInput, NeedInput, QualificationInput
from hub.projects.services import can_edit_project, get_project
from hub.territories.services import territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
KNOWN_PARAMS = frozenset({"sector", "territory", "status", "page", "per_page"})
# Confirmations shown after a redirect (chosen by code: no user text travels in the URL).
DONE = {
    "besoin": "Votre besoin est publié. Un référent va le qualifier ; chacun peut dire « moi aussi ».",
    "soutien": "Votre soutien est compté.",
    "retrait": "Votre soutien est retiré.",
    "commentaire": "Votre commentaire est publié.",
    "qualification": "La qualification est enregistrée.",
    "reponse": "C’est noté : le besoin affiche désormais votre projet.",
    "reponse-retiree": "Le besoin est retiré des réponses de votre projet.",
}


def labels() -> dict[str, dict[str, str]]:
    """French labels of the needs' vocabularies."""
    return {
        "affected": {str(k): v for k, v in AFFECTED_LABELS.items()},
        "status": {str(k): v for k, v in NEED_STATUS_LABELS.items()},
    }


def territory_options(choices: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Régions then départements as one menu ('reg-75', 'dep-33')."""
    return [(f"reg-{r.code}", f"Région {r.name}") for r in choices["regions"]] + [
        (f"dep-{d.code}", f"{d.code} — {d.name}") for d in choices["departements"]
    ]


def need_filters(session: Session, params: Mapping[str, str]) -> tuple[services.NeedFilters, dict[str, Any]]:
    """The list filters in `params` (unknown names or values refused), and the menus' choices."""
    check_known(params, KNOWN_PARAMS)
    choices = reference_choices(session)
    options = territory_options(choices)
    filters = services.NeedFilters(
        sector=parse_choice(params, "sector", {s.code for s in choices["sectors"]}),
        territory=parse_choice(params, "territory", {value for value, _ in options}),
        status=parse_choice(params, "status", {s.value for s in NeedStatus}),
    )
    return filters, choices | {"territory_options": options}


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, nd=labels(), **context)


@get("/besoins", name="needs.list")
@in_thread
def need_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Needs from the field, filtered by sector, territory and status."""
    params = dict(request.query_params)
    filters, choices = need_filters(db_session, params)
    page_number, per_page = parse_page(params)
    result = services.list_needs(db_session, filters, page=page_number, per_page=per_page)
    ids = [n.id for n in result.items if n.id is not None]
    return _show(
        request,
        "needs/need_list.html",
        viewer,
        result=result,
        params=params,
        item_sectors=services.sectors_of(db_session, ids),
        supports=services.support_counts(db_session, ids),
        names=territory_names(db_session),
        **choices,
    )


def _form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    choices = reference_choices(db_session)
    return _show(
        request,
        "needs/need_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        sectors_options=choices["sectors_options"],
        territory_options=territory_options(choices),
    )


@get("/besoins/nouveau", name="needs.form")
@in_thread
def need_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to raise a need."""
    signed_in = require_viewer(viewer, "Connectez-vous pour faire remonter un besoin.")
    return _form(request, signed_in, db_session, {"sectors": [], "affected": []}, {})


@post("/besoins/nouveau", name="needs.create")
@in_thread
def need_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish a need; errors come back next to each field."""
    signed_in = require_viewer(viewer, "Connectez-vous pour faire remonter un besoin.")
    values = form_dict(data, lists=("sectors", "affected"))
    try:
        need = services.create_need(db_session, signed_in, validate(NeedInput, values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path=f"{services.url_of(need)}?fait=besoin", status_code=303)


def _detail(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    need: Need,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    assert need.id is not None
    errors = errors or {}
    return _show(
        request,
        "needs/need_detail.html",
        viewer,
        status_code=(422 if errors and status_code == 200 else status_code),
        need=need,
        sectors=services.sectors_of(db_session, [need.id])[need.id],
        supports=services.support_counts(db_session, [need.id])[need.id],
        supported=services.has_supported(db_session, viewer, need.id),
        is_author=viewer is not None and viewer.account_id == need.author_id,
        author=services.author_name(db_session, need),
        comments=services.comments_of(db_session, need.id),
        can_qualify=services.can_qualify(db_session, viewer, need),
        original=db_session.get(Need, need.duplicate_of_id) if need.duplicate_of_id else None,
        duplicates=services.duplicates_of(db_session, need.id),
        projects=services.answering_projects(db_session, need.id),
        names=territory_names(db_session),
        errors=errors,
        values=values or {},
    )


@get("/besoins/{need_id:int}", name="needs.detail")
@in_thread
def need_detail(
    request: Request[Any, Any, Any], need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """A need: who it affects, where, its supporters, comments, qualification and the projects answering it."""
    return _detail(request, viewer, db_session, services.get_need(db_session, need_id))


@post("/besoins/{need_id:int}/soutien", name="needs.support")
@in_thread
def need_support(
    request: Request[Any, Any, Any], need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Say "moi aussi"; a second time is refused with the reason, on the page."""
    signed_in = require_viewer(viewer, "Connectez-vous pour soutenir ce besoin.")
    need = services.get_need(db_session, need_id)
    try:
        services.support(db_session, signed_in, need)
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, need, {"soutien": exc.message}, status_code=409)
    return Redirect(path=f"/besoins/{need_id}?fait=soutien", status_code=303)


@post("/besoins/{need_id:int}/soutien/retirer", name="needs.support_withdraw")
@in_thread
def need_support_withdraw(
    request: Request[Any, Any, Any], need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Take back one's "moi aussi"."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    try:
        services.withdraw_support(db_session, signed_in, need)
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, need, {"soutien": exc.message}, status_code=409)
    return Redirect(path=f"/besoins/{need_id}?fait=retrait", status_code=303)


@post("/besoins/{need_id:int}/commentaires", name="needs.comment")
@in_thread
def need_comment(
    request: Request[Any, Any, Any],
    need_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Publish a plain-text comment (2,000 characters at most)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour commenter.")
    need = services.get_need(db_session, need_id)
    values = form_dict(data)
    try:
        services.add_comment(db_session, signed_in, need, validate(CommentInput, values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, need, exc.errors, values)
    return Redirect(path=f"/besoins/{need_id}?fait=commentaire#commentaires", status_code=303)


@post("/besoins/{need_id:int}/qualification", name="needs.qualify")
@in_thread
def need_qualify(
    request: Request[Any, Any, Any],
    need_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """A referent qualifies the need (duplicate, out of scope with a reason, taken up)."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    values = form_dict(data)
    try:
        to_validate = {k: v for k, v in values.items() if v != ""}
        services.qualify(db_session, signed_in, need, validate(QualificationInput, to_validate))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        db_session.refresh(need)
        return _detail(request, signed_in, db_session, need, exc.errors, values)
    return Redirect(path=f"/besoins/{need_id}?fait=qualification", status_code=303)


# -- a project's answers -------------------------------------------------------------------------------------------


def _project_page(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    slug: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    project = get_project(db_session, slug)
    assert project.id is not None
    can_edit = can_edit_project(db_session, viewer, project)
    answered = services.answered_needs(db_session, project.id)
    taken = {n.id for n in answered}
    return _show(
        request,
        "needs/project_needs.html",
        viewer,
        status_code=status_code,
        project=project,
        answered=answered,
        can_edit=can_edit,
        options=[(n.id, f"n° {n.id} — {n.title}") for n in services.answerable_needs(db_session) if n.id not in taken]
        if can_edit
        else [],
        errors=errors or {},
        values={},
    )


@get("/projets/{slug:str}/besoins", name="needs.project_answers")
@in_thread
def project_answers(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The needs from the field a project answers; its editors declare more here."""
    return _project_page(request, viewer, db_session, slug)


@post("/projets/{slug:str}/besoins", name="needs.project_answer_add")
@in_thread
def project_answer_add(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Declare that the project answers a need (editors of the project only)."""
    signed_in = require_viewer(viewer)
    project = get_project(db_session, slug)
    values = form_dict(data)
    try:
        services.declare_answer(db_session, signed_in, project, validate_need_id(values))
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        db_session.rollback()
        errors = getattr(exc, "errors", None) or {"need_id": exc.message}
        return _project_page(request, signed_in, db_session, slug, errors, status_code=exc.status_code)
    return Redirect(path=f"/projets/{slug}/besoins?fait=reponse", status_code=303)


@post("/projets/{slug:str}/besoins/{need_id:int}/retirer", name="needs.project_answer_remove")
@in_thread
def project_answer_remove(
    slug: FromPath[str], need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """The project no longer claims to answer this need."""
    signed_in = require_viewer(viewer)
    services.remove_answer(db_session, signed_in, get_project(db_session, slug), need_id)
    db_session.commit()
    return Redirect(path=f"/projets/{slug}/besoins?fait=reponse-retiree", status_code=303)


def validate_need_id(values: Mapping[str, Any]) -> int:
    """The need id chosen in a form, or InvalidInput on that field."""
    raw = str(values.get("need_id", "")).strip()
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput({"need_id": "Choisissez un besoin dans la liste."})
    return int(raw)


PAGES = [
    need_list,
    need_form,
    need_create,
    need_detail,
    need_support,
    need_support_withdraw,
    need_comment,
    need_qualify,
    project_answers,
    project_answer_add,
    project_answer_remove,
]
