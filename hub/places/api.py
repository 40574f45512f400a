"""JSON API of places and meetings (problem details on refusals; writes need the X-CSRFToken header)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from hub.db import utcnow
from hub.places import services
from hub.places.models import Meeting, MeetingRegistration, Place
from hub.places.shapes import GuestInput, MeetingInput, PlaceInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def _place_json(p: Place) -> dict[str, Any]:
    return {
        "id": p.id,
        "url": f"/lieux/{p.id}",
        "name": p.name,
        "kind": str(p.kind),
        "address": p.address,
        "postcode": p.postcode,
        "commune": p.commune,
        "departement_id": p.departement_id,
        "region_id": p.region_id,
    }


def _meeting_json(m: Meeting, taken: int) -> dict[str, Any]:
    return {
        "id": m.id,
        "url": f"/rencontres/{m.id}",
        "title": m.title,
        "starts_at": m.starts_at.isoformat(),
        "duration_minutes": m.duration_minutes,
        "mode": str(m.mode),
        "place_id": m.place_id,
        "capacity": m.capacity,
        "seats_taken": taken,
        "seats_free": max(0, m.capacity - taken),
    }


def _registration_json(r: MeetingRegistration) -> dict[str, Any]:
    return {
        "id": r.id,
        "meeting_id": r.meeting_id,
        "seat_number": r.seat_number,
        "status": str(r.status),
        "is_guest": r.account_id is None,
    }


@get("/api/v1/places", name="api.places.list")
@in_thread
def list_places(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Places (`?departement=33` for one département)."""
    departement = request.query_params.get("departement", "")[:3] or None
    return {"items": [_place_json(p) for p in services.list_places(db_session, departement)]}


@post("/api/v1/places", name="api.places.create", status_code=201)
@in_thread
def create_place(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Add a place (the caller joins its staff); invalid fields: 422."""
    signed_in = require_viewer(viewer)
    place = services.create_place(db_session, signed_in, validate(PlaceInput, data))
    db_session.commit()
    return _place_json(place)


@get("/api/v1/meetings", name="api.meetings.list")
@in_thread
def list_meetings(db_session: DbSession) -> dict[str, Any]:
    """Upcoming sessions with their seats taken and free."""
    return {
        "items": [
            _meeting_json(line.meeting, line.taken)
            for line in services.list_meetings(db_session, upcoming_from=utcnow())
        ]
    }


@post("/api/v1/meetings", name="api.meetings.create", status_code=201)
@in_thread
def create_meeting(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Schedule a session (in a place: its staff; online: decision-makers, referents; admins: both)."""
    signed_in = require_viewer(viewer)
    meeting = services.create_meeting(db_session, signed_in, validate(MeetingInput, data))
    db_session.commit()
    return _meeting_json(meeting, 0)


@get("/api/v1/meetings/{meeting_id:int}", name="api.meetings.detail")
@in_thread
def get_meeting(meeting_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One session with its seats taken and free."""
    meeting = services.get_meeting(db_session, meeting_id)
    return _meeting_json(meeting, services.seats_taken(db_session, meeting_id))


@post("/api/v1/meetings/{meeting_id:int}/registrations", name="api.meetings.register", status_code=201)
@in_thread
def register(
    meeting_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """`{}` registers the caller; `{"guest_name", "guest_contact", "consent": true}` registers a person without an
    account (staff of the place only). Full, past or already registered: 409."""
    signed_in = require_viewer(viewer)
    services.get_meeting(db_session, meeting_id)
    if data:
        registration = services.register_guest(db_session, signed_in, meeting_id, validate(GuestInput, data))
    else:
        registration = services.register(db_session, signed_in, meeting_id)
    db_session.commit()
    return _registration_json(registration)


@post(
    "/api/v1/meetings/{meeting_id:int}/registrations/{registration_id:int}/cancel",
    name="api.meetings.cancel",
    status_code=200,
)
@in_thread
def cancel(
    meeting_id: FromPath[int], registration_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Cancel a registration and free its seat."""
    signed_in = require_viewer(viewer)
    registration = services.cancel_registration(db_session, signed_in, meeting_id, registration_id)
    db_session.commit()
    return _registration_json(registration)


ROUTES = [list_places, create_place, list_meetings, create_meeting, get_meeting, register, cancel]
