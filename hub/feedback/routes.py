"""Pages of field feedback: the list, the form, one item with its answers and history, institutions' digests."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

import hub.feedback.reporting  # noqa: F401 (registers feedback items and answers as reportable targets)
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput
from hub.exchanges.mail import deliver
from hub.feedback import api, services
from hub.feedback.models import CAPACITY_LABELS, CATEGORY_LABELS, STATUS_LABELS, FeedbackStatus
from hub.feedback.shapes import MAX_BODY, MAX_NOTE, MAX_TITLE, AnswerInput, FeedbackInput, StatusInput
from hub.listing import check_page_exists, parse_page
from hub.moderation.services import names_of
from hub.territories.services import list_departements, list_sectors, territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
SIGN_IN = "Connectez-vous pour faire remonter un obstacle ou soutenir une remontée."
DONE = {
    "creee": "Votre remontée est enregistrée et transmise à l’organisme : vous serez prévenu de sa réponse.",
    "soutien": "Votre soutien est enregistré.",
    "reponse": "Votre réponse est publiée ; l’auteur et les soutiens sont prévenus.",
    "statut": "Le statut est mis à jour.",
    "moderation": "La décision de modération est enregistrée.",
}


def labels() -> dict[str, dict[str, str]]:
    """French labels of the feedback vocabularies, by value."""
    return {
        "category": {str(k): v for k, v in CATEGORY_LABELS.items()},
        "status": {str(k): v for k, v in STATUS_LABELS.items()},
        "capacity": {str(k): v for k, v in CAPACITY_LABELS.items()},
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, fb=labels(), **context)


@get("/remontees", name="feedback.list")
@in_thread
def feedback_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every item raised, newest first, filtered by institution, category or status."""
    params = request.query_params
    filters = api.parse_filters(params)
    page_number, per_page = parse_page(params)
    result = services.list_feedback(db_session, filters, page=page_number, per_page=per_page)
    check_page_exists(page_number, per_page, result.total)
    institutions = services.list_institutions(db_session)
    return _show(
        request,
        "feedback/feedback_list.html",
        viewer,
        result=result,
        params={k: params.get(k, "") for k in ("organisme", "categorie", "statut")},
        institutions=institutions,
        by_id={i.id: i for i in institutions},
        supports=services.support_counts(db_session, [i.id for i in result.items if i.id is not None]),
    )


def _form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    return _show(
        request,
        "feedback/feedback_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        institution_options=[(i.id, i.name) for i in services.list_institutions(db_session)],
        category_options=list(labels()["category"].items()),
        capacity_options=list(labels()["capacity"].items()),
        sector_options=[(s.code, s.label) for s in list_sectors(db_session)],
        departement_options=[(d.code, f"{d.code} — {d.name}") for d in list_departements(db_session)],
        max_title=MAX_TITLE,
        max_body=MAX_BODY,
    )


@get("/remontees/nouvelle", name="feedback.form")
@in_thread
def feedback_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to raise an obstacle (`?organisme=<id>` preselects the institution)."""
    signed_in = require_viewer(viewer, SIGN_IN)
    values = {
        "institution_id": request.query_params.get("organisme", ""),
        "author_capacity": str(services.default_capacity(signed_in)),
        "show_author": True,
    }
    return _form(request, signed_in, db_session, values, {})


@post("/remontees/nouvelle", name="feedback.create")
@in_thread
def feedback_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer, state: State
) -> Response[Any] | Template:
    """Save an item; errors come back next to each field, with what was typed."""
    signed_in = require_viewer(viewer, SIGN_IN)
    values = form_dict(data, flags=("show_author",))
    try:
        item, mails = services.create_feedback(
            db_session, signed_in, validate(FeedbackInput, {k: v for k, v in values.items() if v != ""})
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, exc.errors)
    deliver(state.settings, mails)
    return Redirect(path=f"/remontees/{item.id}?fait=creee", status_code=303)


def _detail(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    feedback_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    refusal: str = "",
    status_code: int = 200,
) -> Template:
    item = services.get_feedback(db_session, feedback_id)
    institution = services.get_institution_by_id(db_session, item.institution_id)
    answers = services.all_answers(db_session, feedback_id)
    changes = services.history(db_session, feedback_id)
    is_author = viewer is not None and viewer.account_id == item.author_id
    can_moderate = services.can_moderate(db_session, viewer, item)
    return _show(
        request,
        "feedback/feedback_detail.html",
        viewer,
        status_code=422 if errors and status_code == 200 else status_code,
        item=item,
        institution=institution,
        answers=answers,
        changes=changes,
        names=services.author_names(db_session, [item, *answers])
        | names_of(db_session, [c.changed_by_id for c in changes]),
        territories=territory_names(db_session),
        supports=services.support_counts(db_session, [feedback_id]).get(feedback_id, 0),
        has_supported=services.has_supported(db_session, viewer, feedback_id),
        is_author=is_author,
        can_see_hidden=is_author or can_moderate,
        can_moderate=can_moderate,
        can_answer=services.is_decision_maker_for(db_session, viewer, item.institution_id) and not item.is_hidden,
        status_options=[(k, v) for k, v in labels()["status"].items() if k != FeedbackStatus.RECEIVED],
        errors=errors or {},
        values=values or {},
        refusal=refusal,
        max_body=MAX_BODY,
        max_note=MAX_NOTE,
    )


@get("/remontees/{feedback_id:int}", name="feedback.detail")
@in_thread
def feedback_detail(
    request: Request[Any, Any, Any], feedback_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One item: the obstacle, its supports, the institution's public answers and its status history."""
    return _detail(request, viewer, db_session, feedback_id)


@post("/remontees/{feedback_id:int}/soutien", name="feedback.support")
@in_thread
def feedback_support(
    request: Request[Any, Any, Any], feedback_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """« Moi aussi »: support the item (once per person)."""
    signed_in = require_viewer(viewer, SIGN_IN)
    item = services.get_feedback(db_session, feedback_id)
    try:
        services.support(db_session, signed_in, item)
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, feedback_id, refusal=exc.message, status_code=409)
    return Redirect(path=f"/remontees/{feedback_id}?fait=soutien", status_code=303)


@post("/remontees/{feedback_id:int}/reponses", name="feedback.answer")
@in_thread
def feedback_answer(
    request: Request[Any, Any, Any],
    feedback_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> Response[Any] | Template:
    """A decision-maker of the institution answers in public (others: 403)."""
    signed_in = require_viewer(viewer, SIGN_IN)
    item = services.get_feedback(db_session, feedback_id)
    values = form_dict(data)
    try:
        _, mails = services.answer_feedback(db_session, signed_in, item, validate(AnswerInput, values), utcnow())
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, feedback_id, errors=exc.errors, values=values)
    deliver(state.settings, mails)
    return Redirect(path=f"/remontees/{feedback_id}?fait=reponse", status_code=303)


@post("/remontees/{feedback_id:int}/statut", name="feedback.status")
@in_thread
def feedback_status(
    request: Request[Any, Any, Any],
    feedback_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> Response[Any] | Template:
    """A decision-maker of the institution changes the status (kept in the history)."""
    signed_in = require_viewer(viewer, SIGN_IN)
    item = services.get_feedback(db_session, feedback_id)
    values = form_dict(data)
    try:
        mails = services.change_status(db_session, signed_in, item, validate(StatusInput, values), utcnow())
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, feedback_id, errors=exc.errors, values=values)
    deliver(state.settings, mails)
    return Redirect(path=f"/remontees/{feedback_id}?fait=statut", status_code=303)


@get("/remontees/organismes", name="feedback.institutions")
@in_thread
def institution_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The public bodies feedback can be addressed to, with how many items each received."""
    return _show(
        request,
        "feedback/institution_list.html",
        viewer,
        institutions=services.list_institutions(db_session),
        counts=services.institution_counts(db_session),
        names=territory_names(db_session),
    )


@get("/remontees/organismes/{slug:str}", name="feedback.digest")
@in_thread
def institution_digest(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """What was raised about one institution: counts by category and by status, then the items."""
    digest = services.institution_digest(db_session, services.get_institution(db_session, slug))
    return _show(request, "feedback/institution_digest.html", viewer, digest=digest)


@get("/remontees/organismes/{slug:str}/synthese.csv", name="feedback.digest_csv")
@in_thread
def institution_digest_csv(slug: FromPath[str], db_session: DbSession) -> Response[str]:
    """The digest's items as CSV (one line per visible item; masked ones are left out)."""
    digest = services.institution_digest(db_session, services.get_institution(db_session, slug))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "date", "categorie", "statut", "titre", "soutiens", "adresse"])
    for item in digest.items:
        if item.is_hidden:
            continue
        writer.writerow(
            [
                item.id,
                item.created_at.date().isoformat(),
                CATEGORY_LABELS[item.category],
                STATUS_LABELS[item.status],
                api.csv_safe(item.title),
                digest.supports.get(item.id or 0, 0),
                f"/remontees/{item.id}",
            ]
        )
    return Response(
        content=out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="remontees-{digest.institution.slug}.csv"'},
    )


ROUTES = [
    feedback_list,
    feedback_form,
    feedback_create,
    feedback_detail,
    feedback_support,
    feedback_answer,
    feedback_status,
    institution_list,
    institution_digest,
    institution_digest_csv,
    *api.ROUTES,
]
