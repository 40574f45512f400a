"""JSON API of research valorisation (problem details on refusals; writes need the X-CSRFToken header)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from hub.research import services
from hub.research.models import ResearchResult
from hub.research.shapes import EndPairingInput, IntentInput, InterestInput, PairingInput, ResultInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def _result_json(session: Session, result: ResearchResult, *, full: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": result.id,
        "url": f"/valorisation/{result.id}",
        "title": result.title,
        "summary": result.summary,
        "research_unit_id": result.research_unit_id,
        "ip_holder_id": result.ip_holder_id,
        "grant_reference": result.grant_reference,
        "sectors": list(result.sectors),
        "intent": str(result.intent),
        "created_at": result.created_at.isoformat(),
    }
    if full:
        assert result.id is not None
        body["history"] = [
            {
                "at": line.at.isoformat(),
                "who": line.who,
                "what": line.what,
                "from": line.before,
                "to": line.after,
                "note": line.note,
            }
            for line in services.history(session, result)
        ]
        body["interests"] = [
            {"company_id": i.company_id, "company": a.name, "message": i.message, "at": i.created_at.isoformat()}
            for i, a in services.interests_of(session, result.id)
        ]
        body["pairings"] = [
            {
                "id": p.id,
                "company_id": p.company_id,
                "company": a.name,
                "paired_at": p.paired_at.isoformat(),
                "ended_at": p.ended_at.isoformat() if p.ended_at else None,
                "end_reason": p.end_reason,
            }
            for p, a in services.pairings_of(session, result.id)
        ]
    return body


@get("/api/v1/research-results", name="api.research.list")
@in_thread
def list_results(db_session: DbSession) -> dict[str, Any]:
    """Every research result with its current intent, newest first."""
    return {"items": [_result_json(db_session, r) for r in services.list_results(db_session)]}


@post("/api/v1/research-results", name="api.research.create", status_code=201)
@in_thread
def create_result(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Record a result (the caller is its researcher). Invalid fields or a unit that is not a research unit: 422."""
    signed_in = require_viewer(viewer)
    result = services.create_result(db_session, signed_in, validate(ResultInput, data))
    db_session.commit()
    return _result_json(db_session, result, full=True)


@get("/api/v1/research-results/{result_id:int}", name="api.research.detail")
@in_thread
def get_result(result_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One result with its public history, interested companies and pairings."""
    return _result_json(db_session, services.get_result(db_session, result_id), full=True)


@post("/api/v1/research-results/{result_id:int}/intent", name="api.research.intent", status_code=200)
@in_thread
def change_intent(
    result_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """The researcher changes their intent (`{"intent": "carry"}`); anyone else: 403 with the reason."""
    signed_in = require_viewer(viewer)
    result = services.get_result(db_session, result_id)
    services.change_intent(db_session, signed_in, result, validate(IntentInput, data))
    db_session.commit()
    return _result_json(db_session, result, full=True)


@post("/api/v1/research-results/{result_id:int}/interests", name="api.research.interest", status_code=201)
@in_thread
def express_interest(
    result_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """A company's interest; not a company: 403; a second time: 409."""
    signed_in = require_viewer(viewer)
    result = services.get_result(db_session, result_id)
    interest = services.express_interest(db_session, signed_in, result, validate(InterestInput, data))
    db_session.commit()
    return {"id": interest.id, "result_id": result_id, "company_id": interest.company_id}


@post("/api/v1/research-results/{result_id:int}/pairings", name="api.research.pair", status_code=201)
@in_thread
def pair(
    result_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """The institution pairs the result with a company; not the institution: 403; already paired: 409."""
    signed_in = require_viewer(viewer)
    result = services.get_result(db_session, result_id)
    services.require_institution(db_session, signed_in, result)
    pairing = services.pair(db_session, signed_in, result, validate(PairingInput, data))
    db_session.commit()
    return {"id": pairing.id, "result_id": result_id, "company_id": pairing.company_id}


@post(
    "/api/v1/research-results/{result_id:int}/pairings/{pairing_id:int}/end",
    name="api.research.unpair",
    status_code=200,
)
@in_thread
def end_pairing(
    result_id: FromPath[int],
    pairing_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db_session: DbSession,
    viewer: CurrentViewer,
) -> dict[str, Any]:
    """The researcher or the institution ends a pairing (`{"reason": "..."}`)."""
    signed_in = require_viewer(viewer)
    result = services.get_result(db_session, result_id)
    services.end_pairing(db_session, signed_in, result, pairing_id, validate(EndPairingInput, data))
    db_session.commit()
    return _result_json(db_session, result, full=True)


ROUTES = [list_results, create_result, get_result, change_intent, express_interest, pair, end_pairing]
