"""The lab's administration of workshops and contests: set one up, appoint the jury, give each submission its
follow-up, publish the results."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.contests import services
from hub.contests.models import CRITERION_LABELS, RESOURCE_LABELS, Criterion, Event, Resource
from hub.contests.pages import ADMIN, BASE, show, submission_of
from hub.contests.shapes import EventInput, FollowUpInput, JuryInput
from hub.errors import Conflict, InvalidInput
from hub.needs.services import answerable_needs
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, require_viewer

FormData = URLEncodedBody[dict[str, Any]]


def event_body(values: dict[str, Any]) -> dict[str, Any]:
    """The event form's flat fields as an EventInput body."""
    body: dict[str, Any] = {
        k: values.get(k, "")
        for k in ("kind", "title", "description", "location", "starts_on", "ends_on", "registration_closes_on")
    }
    for optional in ("submission_closes_on", "capacity"):
        if str(values.get(optional, "")).strip():
            body[optional] = values[optional]
    body["weights"] = {str(c): values.get(f"weight_{c}", "") for c in Criterion}
    body["resources"] = [
        {"kind": kind, "details": values.get(f"details_{kind}", "")} for kind in values.get("resources", [])
    ]
    body["need_ids"] = values.get("need_ids", [])
    return body


def _event_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    errors = {("calendar" if k == "__all__" else k.split(".")[0]): v for k, v in errors.items()}
    return show(
        request,
        "contests/event_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        need_options=[(str(n.id), f"n° {n.id} — {n.title}") for n in answerable_needs(db_session, 100)],
        resource_options=[(str(r), RESOURCE_LABELS[r]) for r in Resource],
        criteria=[(str(c), CRITERION_LABELS[c]) for c in Criterion],
    )


@get(ADMIN, name="contests.admin_list")
@in_thread
def event_admin_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The lab's events, each with how many submissions still wait for their follow-up."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    events = services.list_events(db_session)
    return show(
        request,
        "contests/event_admin_list.html",
        viewer,
        events=events,
        waiting=services.waiting_follow_ups(db_session, [e.id for e in events if e.id is not None]),
    )


@get(f"{ADMIN}/nouveau", name="contests.create_form")
@in_thread
def event_create_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where the lab sets up a workshop or a contest."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    values: dict[str, Any] = {"kind": "contest", "resources": [], "need_ids": []}
    values |= {f"weight_{c}": "1" for c in Criterion}
    return _event_form(request, signed_in, db_session, values, {})


@post(f"{ADMIN}/nouveau", name="contests.create")
@in_thread
def event_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish the event; errors come back next to each field."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    values = form_dict(data, lists=("resources", "need_ids"))
    try:
        event = services.create_event(db_session, signed_in, validate(EventInput, event_body(values)), services.today())
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _event_form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path=f"{ADMIN}/{event.id}?fait=evenement", status_code=303)


def _manage(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    event: Event,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    failed: int | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    assert event.id is not None
    return show(
        request,
        "contests/event_manage.html",
        viewer,
        status_code=(422 if errors and status_code == 200 else status_code),
        event=event,
        jurors=services.jurors_of(db_session, event.id),
        standings=services.standings(db_session, event),
        resources=services.resource_lines(event),
        registrations=services.registration_count(db_session, event.id),
        errors=errors or {},
        failed=failed,
        values=values or {},
    )


@get(f"{ADMIN}/{{event_id:int}}", name="contests.manage")
@in_thread
def event_manage(
    request: Request[Any, Any, Any], event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The lab's page for one event: jury, submissions with their scores, follow-ups and publication."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    return _manage(request, signed_in, db_session, services.get_event(db_session, event_id))


@post(f"{ADMIN}/{{event_id:int}}/jury", name="contests.appoint")
@in_thread
def event_appoint(
    request: Request[Any, Any, Any],
    event_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Appoint a jury member by e-mail."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    event = services.get_event(db_session, event_id)
    values = form_dict(data)
    try:
        services.appoint_juror(db_session, signed_in, event, validate(JuryInput, values))
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        db_session.rollback()
        errors = getattr(exc, "errors", None) or {"email": exc.message}
        return _manage(request, signed_in, db_session, event, errors, exc.status_code, values=values)
    return Redirect(path=f"{ADMIN}/{event_id}?fait=jury", status_code=303)


@post(f"{ADMIN}/{{event_id:int}}/candidatures/{{submission_id:int}}/suite", name="contests.follow_up")
@in_thread
def event_follow_up(
    request: Request[Any, Any, Any],
    event_id: FromPath[int],
    submission_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Give a submission its follow-up status and the reason."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    event, submission = submission_of(db_session, event_id, submission_id)
    values = form_dict(data, lists=("allocated",))
    try:
        services.set_follow_up(db_session, signed_in, submission, validate(FollowUpInput, values))
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        db_session.rollback()
        errors = getattr(exc, "errors", None) or {"follow_up": exc.message}
        return _manage(request, signed_in, db_session, event, errors, exc.status_code, submission_id, values)
    return Redirect(path=f"{ADMIN}/{event_id}?fait=suite#candidature-{submission_id}", status_code=303)


@post(f"{ADMIN}/{{event_id:int}}/publication", name="contests.publish")
@in_thread
def event_publish(
    request: Request[Any, Any, Any], event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish the results (refused while a submission has no follow-up)."""
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    event = services.get_event(db_session, event_id)
    try:
        services.publish_results(db_session, signed_in, event)
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _manage(request, signed_in, db_session, event, {"publication": exc.message}, 409)
    return Redirect(path=f"{BASE}/{event_id}?fait=resultats#resultats", status_code=303)


ADMIN_PAGES = [
    event_admin_list,
    event_create_form,
    event_create,
    event_manage,
    event_appoint,
    event_follow_up,
    event_publish,
]
