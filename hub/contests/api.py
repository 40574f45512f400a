"""JSON API of workshops and contests (problem details on refusals, with the reason)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, JSONBody
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.contests import services
from hub.contests.models import Event, EventKind, Score, Submission
from hub.contests.shapes import EventInput, FollowUpInput, JuryInput, ScoreInput, SubmissionInput
from hub.listing import parse_choice
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def event_json(session: Session, event: Event, viewer: Viewer | None = None) -> dict[str, Any]:
    """The public JSON shape of an event; `results` only once they are published."""
    assert event.id is not None
    published = event.results_published_at is not None
    body: dict[str, Any] = {
        "id": event.id,
        "url": f"/ateliers-et-concours/{event.id}",
        "kind": str(event.kind),
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "registration_closes_on": event.registration_closes_on.isoformat(),
        "submission_closes_on": event.submission_closes_on.isoformat() if event.submission_closes_on else None,
        "capacity": event.capacity,
        "registrations": services.registration_count(session, event.id),
        "registered": services.is_registered(session, viewer, event.id),
        "grid": dict(event.weights),
        "resources": list(event.resources),
        "needs": [
            {"id": n.id, "title": n.title, "url": f"/besoins/{n.id}"} for n in services.event_needs(session, event.id)
        ],
        "submissions": [
            {"id": s.id, "project_id": p.id, "project_title": p.title, "project_url": f"/projets/{p.slug}"}
            for s, p in services.submissions_of(session, event.id)
        ],
        "results_published_at": event.results_published_at.isoformat() if event.results_published_at else None,
        "results": None,
    }
    if published:
        body["results"] = [
            {
                "submission_id": s.submission.id,
                "project_id": s.project.id,
                "project_title": s.project.title,
                "follow_up": str(s.submission.follow_up),
                "reason": s.submission.follow_up_reason,
                "allocated": list(s.submission.allocated),
                "score": s.score_text,
                "jurors": s.jurors,
            }
            for s in services.standings(session, event)
        ]
    return body


def _submission_json(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.id,
        "event_id": submission.event_id,
        "project_id": submission.project_id,
        "follow_up": str(submission.follow_up) if submission.follow_up else None,
        "reason": submission.follow_up_reason,
        "allocated": list(submission.allocated),
        "created_at": submission.created_at.isoformat(),
    }


def _score_json(score: Score) -> dict[str, Any]:
    return {
        "id": score.id,
        "submission_id": score.submission_id,
        "values": dict(score.values),
        "comment": score.comment,
    }


@get("/api/v1/events", name="api.events.list")
@in_thread
def list_events(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Workshops and contests (filter: kind=workshop|contest)."""
    kind = parse_choice(dict(request.query_params), "kind", {k.value for k in EventKind})
    return {"items": [event_json(db_session, e, viewer) for e in services.list_events(db_session, kind)]}


@get("/api/v1/events/{event_id:int}", name="api.events.detail")
@in_thread
def get_event(event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """One event; `results` (each submission's follow-up, reason and score) once published."""
    return event_json(db_session, services.get_event(db_session, event_id), viewer)


@post("/api/v1/events", name="api.events.create", status_code=201)
@in_thread
def create_event(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Set up a workshop or a contest (administrators; others 403). Invalid fields: 422."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    event = services.create_event(db_session, signed_in, validate(EventInput, data), services.today())
    db_session.commit()
    return event_json(db_session, event, signed_in)


@post("/api/v1/events/{event_id:int}/registrations", name="api.events.register", status_code=201)
@in_thread
def register(event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Register the caller (closed, full or already registered: 409 with the reason)."""
    signed_in = require_viewer(viewer)
    event = services.get_event(db_session, event_id)
    services.register(db_session, signed_in, event, services.today())
    db_session.commit()
    return event_json(db_session, event, signed_in)


@post("/api/v1/events/{event_id:int}/submissions", name="api.events.submit", status_code=201)
@in_thread
def submit(
    event_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Submit a project (`{"project_id": 12}`): after the deadline or twice 409; not an editor of the project 403."""
    signed_in = require_viewer(viewer)
    event = services.get_event(db_session, event_id)
    submission = services.submit(
        db_session, signed_in, event, validate(SubmissionInput, data).project_id, services.today()
    )
    db_session.commit()
    return _submission_json(submission)


@post("/api/v1/events/{event_id:int}/jury", name="api.events.appoint", status_code=201)
@in_thread
def appoint(
    event_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Appoint a jury member by e-mail (`{"email": "..."}`; administrators only)."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    member = services.appoint_juror(
        db_session, signed_in, services.get_event(db_session, event_id), validate(JuryInput, data)
    )
    db_session.commit()
    return {"event_id": member.event_id, "account_id": member.account_id}


@post("/api/v1/submissions/{submission_id:int}/scores", name="api.submissions.score", status_code=201)
@in_thread
def score(
    submission_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Score a submission (`{"values": {"viability": 4, "medical_interest": 5, "involvement": 3}}`): jury members
    only (403), never their own organisation's project (403 with the reason), once (409)."""
    signed_in = require_viewer(viewer)
    submission = services.get_submission(db_session, submission_id)
    row = services.score(db_session, signed_in, submission, validate(ScoreInput, data))
    db_session.commit()
    return _score_json(row)


@post("/api/v1/submissions/{submission_id:int}/follow-up", name="api.submissions.follow_up", status_code=200)
@in_thread
def follow_up(
    submission_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Give a submission its follow-up (`{"follow_up": "not_retained", "reason": "..."}`; administrators only)."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    submission = services.get_submission(db_session, submission_id)
    services.set_follow_up(db_session, signed_in, submission, validate(FollowUpInput, data))
    db_session.commit()
    return _submission_json(submission)


@post("/api/v1/events/{event_id:int}/publication", name="api.events.publish", status_code=200)
@in_thread
def publish(event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Publish the results (administrators; 409 while a submission has no follow-up)."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    event = services.publish_results(db_session, signed_in, services.get_event(db_session, event_id))
    db_session.commit()
    return event_json(db_session, event, signed_in)


API = [list_events, get_event, create_event, register, submit, appoint, score, follow_up, publish]
