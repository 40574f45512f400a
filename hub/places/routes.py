"""Pages and API of places and meetings: places and their staff, sessions, registrations (also for people
without an account, registered by a place's staff), cancellations."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput
from hub.places import services
from hub.places.api import ROUTES as API_ROUTES
from hub.places.models import MEETING_MODE_LABELS, PLACE_KIND_LABELS, Meeting
from hub.places.shapes import PARIS, GuestInput, MeetingInput, PlaceInput, StaffInput
from hub.territories.services import list_departements, territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
DONE = {
    "lieu": "Le lieu est enregistré ; vous faites partie de son équipe.",
    "equipe": "La personne fait désormais partie de l’équipe du lieu.",
    "rencontre": "La rencontre est publiée.",
    "inscrit": "Votre inscription est enregistrée.",
    "accompagne": "La personne est inscrite.",
    "annule": "L’inscription est annulée : la place est libérée.",
}


def _labels() -> dict[str, dict[str, str]]:
    return {
        "place_kind": {str(k): v for k, v in PLACE_KIND_LABELS.items()},
        "mode": {str(k): v for k, v in MEETING_MODE_LABELS.items()},
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, pl=_labels(), paris=PARIS, **context)


def _departements(db_session: DbSession) -> list[tuple[str, str]]:
    return [(d.code, f"{d.code} — {d.name}") for d in list_departements(db_session)]


# -- places --------------------------------------------------------------------------------------------------------


@get("/lieux", name="places.list")
@in_thread
def place_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Places where people can take part in person (`?departement=33` narrows to one département)."""
    departement = request.query_params.get("departement", "")[:3]
    return _show(
        request,
        "places/place_list.html",
        viewer,
        places=services.list_places(db_session, departement or None),
        names=territory_names(db_session),
        departement=departement,
        departements_options=_departements(db_session),
    )


def _place_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    return _show(
        request,
        "places/place_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        kind_options=list(_labels()["place_kind"].items()),
        departements_options=_departements(db_session),
    )


@get("/lieux/nouveau", name="places.create_form")
@in_thread
def place_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to add a place (its author joins its staff)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour ajouter un lieu.")
    return _place_form(request, signed_in, db_session, {}, {})


@post("/lieux/nouveau", name="places.create")
@in_thread
def place_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save the place; errors come back next to each field."""
    signed_in = require_viewer(viewer, "Connectez-vous pour ajouter un lieu.")
    values = form_dict(data)
    try:
        place = services.create_place(db_session, signed_in, validate(PlaceInput, values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _place_form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path=f"/lieux/{place.id}?fait=lieu", status_code=303)


def _place_page(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    place_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    place = services.get_place(db_session, place_id)
    is_staff = services.is_staff(db_session, viewer, place.id)
    return _show(
        request,
        "places/place_detail.html",
        viewer,
        status_code=status_code,
        place=place,
        names=territory_names(db_session),
        meetings=services.list_meetings(db_session, upcoming_from=utcnow(), place_id=place.id),
        is_staff=is_staff,
        staff=services.staff_of(db_session, place_id) if is_staff else [],
        errors=errors or {},
        values=values or {},
    )


@get("/lieux/{place_id:int}", name="places.detail")
@in_thread
def place_detail(
    request: Request[Any, Any, Any], place_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """A place: address, territory, upcoming sessions; its staff see the team and can add to it."""
    return _place_page(request, viewer, db_session, place_id)


@post("/lieux/{place_id:int}/equipe", name="places.add_staff")
@in_thread
def place_add_staff(
    request: Request[Any, Any, Any],
    place_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Attach a member to the place's staff (staff and administrators only)."""
    signed_in = require_viewer(viewer)
    place = services.get_place(db_session, place_id)
    values = form_dict(data)
    try:
        services.add_staff(db_session, signed_in, place, validate(StaffInput, values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _place_page(request, signed_in, db_session, place_id, exc.errors, values, 422)
    except Conflict as exc:
        db_session.rollback()
        return _place_page(request, signed_in, db_session, place_id, {"email": exc.message}, values, 409)
    return Redirect(path=f"/lieux/{place_id}?fait=equipe", status_code=303)


# -- meetings ------------------------------------------------------------------------------------------------------


@get("/rencontres", name="places.meetings")
@in_thread
def meeting_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Upcoming exchange sessions, online and in places, with the seats left."""
    return _show(
        request,
        "places/meeting_list.html",
        viewer,
        lines=services.list_meetings(db_session, upcoming_from=utcnow()),
        can_organise=services.can_organise_online(viewer) or bool(services.staffed_places(db_session, viewer)),
    )


def _meeting_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    places = services.staffed_places(db_session, viewer)
    return _show(
        request,
        "places/meeting_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        place_options=[(p.id, f"{p.name} ({p.commune})") for p in places],
        mode_options=list(_labels()["mode"].items())
        if services.can_organise_online(viewer)
        else [("in_place", "Sur place")],
    )


@get("/rencontres/nouvelle", name="places.meeting_form")
@in_thread
def meeting_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to schedule a session (`?lieu=<id>` preselects a place)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour organiser une rencontre.")
    values = {"mode": "in_place", "place_id": request.query_params.get("lieu", ""), "duration_minutes": "90"}
    return _meeting_form(request, signed_in, db_session, values, {})


@post("/rencontres/nouvelle", name="places.meeting_create")
@in_thread
def meeting_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish the session; errors come back next to each field, refusals (403) with their reason."""
    signed_in = require_viewer(viewer, "Connectez-vous pour organiser une rencontre.")
    values = form_dict(data)
    try:
        shape = {k: v for k, v in values.items() if v != ""}
        meeting = services.create_meeting(db_session, signed_in, validate(MeetingInput, shape))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _meeting_form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path=f"/rencontres/{meeting.id}?fait=rencontre", status_code=303)


def _meeting_page(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    meeting: Meeting,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    assert meeting.id is not None
    can_guests = services.can_register_guests(db_session, viewer, meeting)
    registrations = services.registrations_of(db_session, meeting.id) if can_guests else []
    reader_id = viewer.account_id if viewer is not None else None
    others = [line.registration for line in registrations if line.registration.account_id != reader_id]
    if viewer is not None and others:
        # the staff read the names of those registered and the contact of those without an account: audited
        audit_read(
            request,
            db_session,
            viewer,
            AccessKind.MEETING_REGISTRATIONS,
            person_ids=[r.account_id for r in others],
            record_ids=[f"meeting:{meeting.id}", *(f"registration:{r.id}" for r in others)],
        )
    return _show(
        request,
        "places/meeting_detail.html",
        viewer,
        status_code=status_code,
        meeting=meeting,
        place=services.get_place(db_session, meeting.place_id) if meeting.place_id else None,
        taken=services.seats_taken(db_session, meeting.id),
        mine=services.my_registration(db_session, viewer, meeting.id),
        can_register_guests=can_guests,
        guest_contact_months=services.GUEST_CONTACT_RETENTION.days // 30,
        registrations=registrations,
        field_errors={k: v for k, v in (errors or {}).items() if k != "__all__"},
        is_past=meeting.starts_at <= utcnow(),
        errors=errors or {},
        values=values or {},
    )


@get("/rencontres/{meeting_id:int}", name="places.meeting")
@in_thread
def meeting_detail(
    request: Request[Any, Any, Any], meeting_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """A session: date, place or link, seats left, registration; the staff see who is registered."""
    return _meeting_page(request, viewer, db_session, services.get_meeting(db_session, meeting_id))


def _registration_refused(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    meeting_id: int,
    exc: InvalidInput | Conflict,
    values: dict[str, Any],
) -> Template:
    db_session.rollback()
    errors = exc.errors if isinstance(exc, InvalidInput) else {"__all__": exc.message}
    meeting = services.get_meeting(db_session, meeting_id)
    return _meeting_page(
        request, viewer, db_session, meeting, errors=errors, values=values, status_code=exc.status_code
    )


@post("/rencontres/{meeting_id:int}/inscription", name="places.register")
@in_thread
def meeting_register(
    request: Request[Any, Any, Any], meeting_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Take a seat; a full or past session is refused with the reason (409)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour vous inscrire.")
    try:
        services.register(db_session, signed_in, meeting_id)
        db_session.commit()
    except Conflict as exc:
        return _registration_refused(request, signed_in, db_session, meeting_id, exc, {})
    return Redirect(path=f"/rencontres/{meeting_id}?fait=inscrit", status_code=303)


@post("/rencontres/{meeting_id:int}/inscription-accompagnee", name="places.register_guest")
@in_thread
def meeting_register_guest(
    request: Request[Any, Any, Any],
    meeting_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The staff register a person without an account, with their consent."""
    signed_in = require_viewer(viewer)
    values = form_dict(data, flags=("consent",))
    try:
        services.register_guest(db_session, signed_in, meeting_id, validate(GuestInput, values))
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        return _registration_refused(request, signed_in, db_session, meeting_id, exc, values)
    return Redirect(path=f"/rencontres/{meeting_id}?fait=accompagne", status_code=303)


@post("/rencontres/{meeting_id:int}/inscriptions/{registration_id:int}/annulation", name="places.cancel")
@in_thread
def meeting_cancel(
    request: Request[Any, Any, Any],
    meeting_id: FromPath[int],
    registration_id: FromPath[int],
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Cancel a registration (the person, or the staff for someone they registered): the seat is freed."""
    signed_in = require_viewer(viewer)
    try:
        services.cancel_registration(db_session, signed_in, meeting_id, registration_id)
        db_session.commit()
    except Conflict as exc:
        return _registration_refused(request, signed_in, db_session, meeting_id, exc, {})
    return Redirect(path=f"/rencontres/{meeting_id}?fait=annule", status_code=303)


ROUTES = [
    place_list,
    place_form,
    place_create,
    place_detail,
    place_add_staff,
    meeting_list,
    meeting_form,
    meeting_create,
    meeting_detail,
    meeting_register,
    meeting_register_guest,
    meeting_cancel,
    *API_ROUTES,
]
