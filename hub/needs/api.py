"""JSON API of the needs from the field (problem details on refusals)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request, delete, get, post
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.listing import parse_page
from hub.needs import services
from hub.needs.models import Need
from hub.needs.pages import need_filters
from hub.needs.shapes import AnswerInput, CommentInput, NeedInput, QualificationInput
from hub.projects.services import get_project_by_id
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def needs_json(session: Session, needs: Sequence[Need]) -> list[dict[str, Any]]:
    """The public JSON shape of several needs (sectors and supports read in two queries)."""
    ids = [n.id for n in needs if n.id is not None]
    sectors = services.sectors_of(session, ids)
    supports = services.support_counts(session, ids)
    return [
        {
            "id": n.id,
            "url": services.url_of(n),
            "title": n.title,
            "description": n.description,
            "sectors": [s.code for s in sectors.get(n.id or 0, [])],
            "affected": list(n.affected),
            "territory": services.territory_of(n),
            "status": str(n.status),
            "duplicate_of": n.duplicate_of_id,
            "status_reason": n.status_reason,
            "supports": supports.get(n.id or 0, 0),
            "created_at": n.created_at.isoformat(),
        }
        for n in needs
    ]


def _need_detail(session: Session, need: Need, viewer: Viewer | None) -> dict[str, Any]:
    assert need.id is not None
    body = needs_json(session, [need])[0]
    body["supported_by_me"] = services.has_supported(session, viewer, need.id)
    body["projects"] = [
        {"id": p.id, "title": p.title, "url": f"/projets/{p.slug}"}
        for p in services.answering_projects(session, need.id)
    ]
    body["comments"] = [
        {"id": c.id, "author": name, "body": c.body, "created_at": c.created_at.isoformat()}
        for c, name in services.comments_of(session, need.id)
    ]
    return body


@get("/api/v1/needs", name="api.needs.list")
@in_thread
def list_needs(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Needs from the field. Filters: sector (code), territory ('reg-75' or 'dep-33'), status; page, per_page."""
    params = dict(request.query_params)
    filters, _ = need_filters(db_session, params)
    page_number, per_page = parse_page(params)
    result = services.list_needs(db_session, filters, page=page_number, per_page=per_page)
    return {
        "items": needs_json(db_session, result.items),
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


@get("/api/v1/needs/{need_id:int}", name="api.needs.detail")
@in_thread
def get_need(need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """One need with its comments and the projects that answer it."""
    return _need_detail(db_session, services.get_need(db_session, need_id), viewer)


@post("/api/v1/needs", name="api.needs.create", status_code=201)
@in_thread
def create_need(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Raise a need (signed in; X-CSRFToken header). Invalid fields: 422 problem details."""
    signed_in = require_viewer(viewer)
    need = services.create_need(db_session, signed_in, validate(NeedInput, data))
    db_session.commit()
    return _need_detail(db_session, need, signed_in)


@post("/api/v1/needs/{need_id:int}/support", name="api.needs.support", status_code=201)
@in_thread
def support_need(need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Say "moi aussi". A second time, or on one's own need: 409 problem details."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    services.support(db_session, signed_in, need)
    db_session.commit()
    return _need_detail(db_session, need, signed_in)


@delete("/api/v1/needs/{need_id:int}/support", name="api.needs.withdraw_support", status_code=200)
@in_thread
def withdraw_support(need_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Take back one's "moi aussi" (409 when there is none)."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    services.withdraw_support(db_session, signed_in, need)
    db_session.commit()
    return _need_detail(db_session, need, signed_in)


@post("/api/v1/needs/{need_id:int}/comments", name="api.needs.comment", status_code=201)
@in_thread
def comment_need(
    need_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Comment on a need (`{"body": "..."}`, 2,000 characters at most)."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    services.add_comment(db_session, signed_in, need, validate(CommentInput, data))
    db_session.commit()
    return _need_detail(db_session, need, signed_in)


@post("/api/v1/needs/{need_id:int}/qualification", name="api.needs.qualify", status_code=200)
@in_thread
def qualify_need(
    need_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Qualify a need: `{"status": "duplicate", "duplicate_of": 12}`, `{"status": "out_of_scope", "reason": "..."}`
    or `{"status": "taken_up"}` (referents in charge and administrators: others get 403)."""
    signed_in = require_viewer(viewer)
    need = services.get_need(db_session, need_id)
    services.qualify(db_session, signed_in, need, validate(QualificationInput, data))
    db_session.commit()
    return _need_detail(db_session, need, signed_in)


@get("/api/v1/projects/{project_id:int}/needs-answered", name="api.needs.project_answers")
@in_thread
def project_answers(project_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """The needs a project declares it answers."""
    project = get_project_by_id(db_session, project_id)
    assert project.id is not None
    return {"project_id": project.id, "items": needs_json(db_session, services.answered_needs(db_session, project.id))}


@post("/api/v1/projects/{project_id:int}/needs-answered", name="api.needs.project_answer_add", status_code=201)
@in_thread
def project_answer_add(
    project_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Declare that the project answers a need (`{"need_id": 12}`; editors of the project only: others 403)."""
    signed_in = require_viewer(viewer)
    project = get_project_by_id(db_session, project_id)
    services.declare_answer(db_session, signed_in, project, validate(AnswerInput, data).need_id)
    db_session.commit()
    assert project.id is not None
    return {"project_id": project.id, "items": needs_json(db_session, services.answered_needs(db_session, project.id))}


API = [
    list_needs,
    get_need,
    create_need,
    support_need,
    withdraw_support,
    comment_need,
    qualify_need,
    project_answers,
    project_answer_add,
]
