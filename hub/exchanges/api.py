"""JSON API of the access point: availabilities and introduction requests (problem details on refusals)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from hub.db import utcnow
from hub.exchanges import introductions, services
from hub.exchanges.mail import deliver
from hub.exchanges.models import Availability, IntroductionRequest
from hub.exchanges.shapes import AvailabilityInput, DecisionInput, IntroductionInput
from hub.projects.services import get_project_by_id
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def _availability_json(a: Availability) -> dict[str, Any]:
    return {
        "id": a.id,
        "offered_as": str(a.offered_as),
        "hours_per_month": a.hours_per_month,
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat(),
        "phases": list(a.phases),
        "sectors": list(a.sectors),
        "skills": a.skills,
        "work_mode": str(a.work_mode),
        "departement": (a.departement_id or "").removeprefix("dep-") or None,
        "visibility": str(a.visibility),
    }


def _introduction_json(r: IntroductionRequest, contact: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "url": f"/mises-en-relation/{r.id}",
        "target_kind": str(r.target_kind),
        "target_id": r.target_id,
        "purpose": str(r.purpose),
        "status": str(r.status),
        "routed_to_administrators": r.is_routed_to_administrators,
        "reason": r.reason,
        "contact": contact or None,
        "created_at": r.created_at.isoformat(),
    }


@post("/api/v1/availabilities", name="api.availabilities.create", status_code=201)
@in_thread
def create_availability(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Declare an availability (health professionals and patient representatives; X-CSRFToken header).
    Invalid fields, an end before the start or more hours than a month has: 422 problem details."""
    signed_in = require_viewer(viewer)
    services.require_capacity(signed_in)
    availability = services.create_availability(
        db_session, signed_in, validate(AvailabilityInput, data), services.today()
    )
    db_session.commit()
    return _availability_json(availability)


@get("/api/v1/projects/{project_id:int}/available-people", name="api.projects.available_people")
@in_thread
def project_available_people(project_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Availabilities that fit the project and that the caller may see, with reasons (no contact details)."""
    project = get_project_by_id(db_session, project_id)
    people = services.matching_people(db_session, viewer, project, services.today())
    return {
        "project_id": project_id,
        "items": [
            {"display_name": m.display_name, "reasons": list(m.reasons)} | _availability_json(m.availability)
            for m in people
        ],
    }


@post("/api/v1/introductions", name="api.introductions.create", status_code=201)
@in_thread
def create_introduction(
    data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer, state: State
) -> dict[str, Any]:
    """Ask to be introduced. Oneself: 422; a second pending request or a withdrawn target: 409; over the daily
    limit: 429 (all problem details)."""
    signed_in = require_viewer(viewer)
    request, mails = introductions.create_introduction(
        db_session, signed_in, validate(IntroductionInput, data), utcnow()
    )
    db_session.commit()
    deliver(state.settings, mails)
    return _introduction_json(request, "")


@get("/api/v1/introductions/{request_id:int}", name="api.introductions.detail")
@in_thread
def get_introduction(request_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """One request the caller sent or may answer; `contact` is null until it is accepted."""
    signed_in = require_viewer(viewer)
    request = introductions.get_introduction(db_session, signed_in, request_id, utcnow())
    return _introduction_json(request, introductions.contact_for(db_session, signed_in, request))


@post("/api/v1/introductions/{request_id:int}/decision", name="api.introductions.decide", status_code=200)
@in_thread
def decide_introduction(
    request_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> dict[str, Any]:
    """Accept or decline (`{"decision": "decline", "reason": "..."}`) a request addressed to the caller."""
    signed_in = require_viewer(viewer)
    request = introductions.get_introduction(db_session, signed_in, request_id, utcnow())
    mails = introductions.decide_introduction(db_session, signed_in, request, validate(DecisionInput, data), utcnow())
    db_session.commit()
    deliver(state.settings, mails)
    return _introduction_json(request, introductions.contact_for(db_session, signed_in, request))


ROUTES = [create_availability, project_available_people, create_introduction, get_introduction, decide_introduction]
