"""JSON API of field feedback: list, create, support, answer, status, and each institution's digest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from hub.db import utcnow
from hub.exchanges.mail import deliver
from hub.feedback import services
from hub.feedback.models import CATEGORY_LABELS, STATUS_LABELS, FeedbackAnswer, FeedbackStatusChange, FieldFeedback
from hub.feedback.shapes import AnswerInput, FeedbackInput, StatusInput
from hub.listing import InvalidFilter, check_page_exists, parse_choice, parse_page
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer

HIDDEN = services.HIDDEN_LABEL


def parse_filters(params: Mapping[str, str]) -> services.FeedbackFilters:
    """`organisme` (an institution id), `categorie` and `statut` from query parameters; unknown values: 400."""
    raw = params.get("organisme", "").strip()
    if raw and (not raw.isdigit() or len(raw) > 9):
        raise InvalidFilter("organisme", "« organisme » doit être l’identifiant d’un organisme public.")
    return services.FeedbackFilters(
        institution_id=int(raw) if raw else None,
        category=parse_choice(params, "categorie", [str(c) for c in CATEGORY_LABELS]),
        status=parse_choice(params, "statut", [str(s) for s in STATUS_LABELS]),
    )


def csv_safe(text: str) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def feedback_json(item: FieldFeedback, supports: int, institution_name: str) -> dict[str, Any]:
    """An item as the API shows it to everyone (masked items keep only their place and status)."""
    masked = item.is_hidden
    return {
        "id": item.id,
        "url": f"/remontees/{item.id}",
        "institution_id": item.institution_id,
        "institution": institution_name,
        "category": str(item.category),
        "status": str(item.status),
        "status_label": STATUS_LABELS[item.status],
        "title": HIDDEN if masked else item.title,
        "body": None if masked else item.body,
        "author_capacity": str(item.author_capacity),
        "sector_code": item.sector_code,
        "territory_id": item.territory_id,
        "supports": supports,
        "is_hidden": masked,
        "created_at": item.created_at.isoformat(),
    }


def _answer_json(answer: FeedbackAnswer) -> dict[str, Any]:
    return {
        "id": answer.id,
        "body": None if answer.is_hidden else answer.body,
        "is_hidden": answer.is_hidden,
        "created_at": answer.created_at.isoformat(),
    }


def _change_json(change: FeedbackStatusChange) -> dict[str, Any]:
    return {
        "from": str(change.from_status) if change.from_status else None,
        "to": str(change.to_status),
        "note": change.note,
        "at": change.created_at.isoformat(),
    }


def _full(db_session: DbSession, item: FieldFeedback) -> dict[str, Any]:
    assert item.id is not None
    institution = services.get_institution_by_id(db_session, item.institution_id)
    body = feedback_json(item, services.support_counts(db_session, [item.id]).get(item.id, 0), institution.name)
    body["answers"] = [_answer_json(a) for a in services.all_answers(db_session, item.id)]
    body["history"] = [_change_json(c) for c in services.history(db_session, item.id)]
    return body


@get("/api/v1/feedback", name="api.feedback.list")
@in_thread
def list_feedback(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Items newest first; filters `organisme`, `categorie`, `statut`; `page`, `per_page`."""
    params = request.query_params
    filters = parse_filters(params)
    page_number, per_page = parse_page(params)
    result = services.list_feedback(db_session, filters, page=page_number, per_page=per_page)
    check_page_exists(page_number, per_page, result.total)
    ids = [i.id for i in result.items if i.id is not None]
    supports = services.support_counts(db_session, ids)
    institutions = services.institution_names(db_session, [i.institution_id for i in result.items])
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "items": [
            feedback_json(i, supports.get(i.id or 0, 0), institutions[i.institution_id].name) for i in result.items
        ],
    }


@post("/api/v1/feedback", name="api.feedback.create", status_code=201)
@in_thread
def create_feedback(
    data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer, state: State
) -> dict[str, Any]:
    """Raise an obstacle to an institution (signed in; X-CSRFToken header). Invalid fields: 422."""
    signed_in = require_viewer(viewer)
    item, mails = services.create_feedback(db_session, signed_in, validate(FeedbackInput, data))
    db_session.commit()
    deliver(state.settings, mails)
    return _full(db_session, item)


@get("/api/v1/feedback/{feedback_id:int}", name="api.feedback.detail")
@in_thread
def get_feedback(feedback_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One item with its public answers and its status history."""
    return _full(db_session, services.get_feedback(db_session, feedback_id))


@post("/api/v1/feedback/{feedback_id:int}/supports", name="api.feedback.support", status_code=201)
@in_thread
def support_feedback(feedback_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Support an item; a second support by the same person: 409."""
    signed_in = require_viewer(viewer)
    item = services.get_feedback(db_session, feedback_id)
    services.support(db_session, signed_in, item)
    db_session.commit()
    return _full(db_session, item)


@post("/api/v1/feedback/{feedback_id:int}/answers", name="api.feedback.answer", status_code=201)
@in_thread
def answer_feedback(
    feedback_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> dict[str, Any]:
    """Answer in public; only decision-makers of the institution and administrators (others: 403)."""
    signed_in = require_viewer(viewer)
    item = services.get_feedback(db_session, feedback_id)
    _, mails = services.answer_feedback(db_session, signed_in, item, validate(AnswerInput, data), utcnow())
    db_session.commit()
    deliver(state.settings, mails)
    return _full(db_session, item)


@post("/api/v1/feedback/{feedback_id:int}/status", name="api.feedback.status", status_code=200)
@in_thread
def change_status(
    feedback_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> dict[str, Any]:
    """Change the status (`{"status": "acted_upon", "note": "..."}`); decision-makers of the institution only."""
    signed_in = require_viewer(viewer)
    item = services.get_feedback(db_session, feedback_id)
    mails = services.change_status(db_session, signed_in, item, validate(StatusInput, data), utcnow())
    db_session.commit()
    deliver(state.settings, mails)
    return _full(db_session, item)


@get("/api/v1/institutions/{actor_id:int}/feedback-digest", name="api.feedback.digest")
@in_thread
def institution_digest(actor_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """What was raised about a public body: counts by category and status (masked items apart) and the items."""
    digest = services.institution_digest(db_session, services.get_institution_by_id(db_session, actor_id))
    return {
        "institution": {"id": digest.institution.id, "name": digest.institution.name, "slug": digest.institution.slug},
        "total": digest.total,
        "hidden": digest.hidden,
        "by_category": digest.by_category,
        "by_status": digest.by_status,
        "items": [feedback_json(i, digest.supports.get(i.id or 0, 0), digest.institution.name) for i in digest.items],
    }


ROUTES = [
    list_feedback,
    create_feedback,
    get_feedback,
    support_feedback,
    answer_feedback,
    change_status,
    institution_digest,
]
