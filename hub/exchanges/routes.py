"""Pages of the access point: availabilities and their matches, introductions, notifications, the mail outbox."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.audit.services import account_ids_of
from hub.db import utcnow
from hub.errors import HubError, InvalidInput, PermissionDenied
from hub.exchanges import introductions, services
from hub.exchanges.mail import deliver, list_outbox
from hub.exchanges.models import (
    AVAILABILITY_PHASE_LABELS,
    INTRODUCTION_STATUS_LABELS,
    PURPOSE_LABELS,
    VISIBILITY_LABELS,
    WORK_MODE_LABELS,
    TargetKind,
)
from hub.exchanges.shapes import AvailabilityInput, DecisionInput, IntroductionInput
from hub.projects.services import get_project
from hub.settings import Settings
from hub.territories.services import list_departements, list_sectors, territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
# Confirmations shown after a redirect (chosen by code: no user text travels in the URL).
DONE = {
    "disponibilite": "Votre disponibilité est enregistrée : les projets qui vous correspondent sont listés ci-dessous.",
    "retiree": "Votre disponibilité est retirée.",
    "demande": "Votre demande est envoyée. Vous serez prévenu de la réponse ; les coordonnées restent cachées d’ici là.",
    "reponse": "Votre réponse est enregistrée et transmise.",
    "lues": "Vos notifications sont marquées comme lues.",
}


def _labels() -> dict[str, dict[str, str]]:
    return {
        "phase": {str(k): v for k, v in AVAILABILITY_PHASE_LABELS.items()},
        "work_mode": {str(k): v for k, v in WORK_MODE_LABELS.items()},
        "visibility": {str(k): v for k, v in VISIBILITY_LABELS.items()},
        "purpose": {str(k): v for k, v in PURPOSE_LABELS.items()},
        "status": {str(k): v for k, v in INTRODUCTION_STATUS_LABELS.items()},
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, ex=_labels(), **context)


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


# -- availabilities ------------------------------------------------------------------------------------------------


@get("/compte/disponibilites", name="exchanges.availabilities")
@in_thread
def availability_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The person's availabilities and, for each current one, the projects that match it with the reasons."""
    signed_in = require_viewer(viewer)
    on = services.today()
    mine = services.my_availabilities(db_session, signed_in.account_id)
    matches = {a.id: services.matching_projects(db_session, a) for a in mine if services.is_current(a, on)}
    return _show(
        request,
        "exchanges/availability_list.html",
        viewer,
        mine=mine,
        matches=matches,
        today=on,
        can_offer=services.capacity(signed_in) is not None,
        names=territory_names(db_session),
    )


def _availability_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    return _show(
        request,
        "exchanges/availability_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        sectors_options=[(s.code, s.label) for s in list_sectors(db_session)],
        departements_options=[(d.code, f"{d.code} — {d.name}") for d in list_departements(db_session)],
    )


@get("/compte/disponibilites/nouvelle", name="exchanges.availability_form")
@in_thread
def availability_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where a health professional or a patient representative declares time for projects."""
    signed_in = require_viewer(viewer)
    services.require_capacity(signed_in)
    values = {"phases": [], "sectors": [], "work_mode": "both", "visibility": "members"}
    return _availability_form(request, signed_in, db_session, values, {})


@post("/compte/disponibilites/nouvelle", name="exchanges.availability_create")
@in_thread
def availability_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save an availability; errors come back next to each field."""
    signed_in = require_viewer(viewer)
    services.require_capacity(signed_in)
    values = form_dict(data, lists=("phases", "sectors"))
    try:
        to_validate = {k: v for k, v in values.items() if v != ""}
        services.create_availability(db_session, signed_in, validate(AvailabilityInput, to_validate), services.today())
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _availability_form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path="/compte/disponibilites?fait=disponibilite", status_code=303)


@post("/compte/disponibilites/{availability_id:int}/retirer", name="exchanges.availability_withdraw")
@in_thread
def availability_withdraw(
    availability_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """Stop offering this time."""
    signed_in = require_viewer(viewer)
    services.withdraw_availability(db_session, signed_in, availability_id)
    db_session.commit()
    return Redirect(path="/compte/disponibilites?fait=retiree", status_code=303)


@get("/projets/{slug:str}/disponibilites", name="exchanges.project_people")
@in_thread
def project_people(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """Health professionals and patient representatives whose availability fits the project (as the viewer may
    see them), with the reasons; contact goes through an introduction request."""
    project = get_project(db_session, slug)
    people = services.matching_people(db_session, viewer, project, services.today())
    return _show(
        request,
        "exchanges/project_people.html",
        viewer,
        project=project,
        people=people,
        names=territory_names(db_session),
    )


# -- introductions -------------------------------------------------------------------------------------------------


def _parse_target(value: str) -> tuple[TargetKind, int]:
    kind, _, raw = value.partition(":")
    try:
        return TargetKind(kind), int(raw)
    except ValueError:
        raise InvalidInput({"target_id": "Choisissez avec qui être mis en relation depuis sa page."}) from None


def _introduction_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    now = utcnow()
    kind, target_id = _parse_target(f"{values.get('target_kind', '')}:{values.get('target_id', '')}")
    target = introductions.load_target(db_session, viewer, kind, target_id, now)
    return _show(
        request,
        "exchanges/introduction_form.html",
        viewer,
        status_code=422 if errors and status_code == 200 else status_code,
        values=values,
        errors=errors,
        target=introductions.describe(db_session, target),
        on_behalf_options=introductions.sender_options(db_session, viewer, now),
        purpose_options=[(k, v) for k, v in _labels()["purpose"].items()],
    )


@get("/mises-en-relation/nouvelle", name="exchanges.introduction_form")
@in_thread
def introduction_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to ask for an introduction (`?cible=actor:12`, `project:3` or `availability:5`)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour demander une mise en relation.")
    kind, target_id = _parse_target(request.query_params.get("cible", ""))
    values = {"target_kind": str(kind), "target_id": str(target_id), "purpose": "", "message": "", "on_behalf": ""}
    return _introduction_form(request, signed_in, db_session, values, {})


@post("/mises-en-relation/nouvelle", name="exchanges.introduction_create")
@in_thread
def introduction_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer, state: State
) -> Response[Any] | Template:
    """Send an introduction request; refusals come back next to the fields or as a message on the form."""
    signed_in = require_viewer(viewer, "Connectez-vous pour demander une mise en relation.")
    values = form_dict(data)
    _parse_target(f"{values.get('target_kind', '')}:{values.get('target_id', '')}")
    try:
        item, mails = introductions.create_introduction(
            db_session, signed_in, validate(IntroductionInput, values), utcnow()
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _introduction_form(request, signed_in, db_session, values, exc.errors)
    except HubError as exc:
        if exc.status_code not in (409, 429):
            raise
        db_session.rollback()
        return _introduction_form(request, signed_in, db_session, values, {"__all__": exc.message}, exc.status_code)
    deliver(_settings(state), mails)
    return Redirect(path=f"/mises-en-relation/{item.id}?fait=demande", status_code=303)


@get("/mises-en-relation", name="exchanges.introductions")
@in_thread
def introduction_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The requests the person sent and those they may answer."""
    signed_in = require_viewer(viewer)
    sent, received = introductions.introductions_of(db_session, signed_in, utcnow())
    return _show(
        request,
        "exchanges/introduction_list.html",
        viewer,
        sent=sent,
        received=received,
        targets=introductions.labels_for(db_session, sent + received),
    )


def _introduction_page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    request_id: int,
    errors: dict[str, str],
    values: dict[str, Any],
) -> Template:
    now = utcnow()
    item = introductions.get_introduction(db_session, viewer, request_id, now)
    targets = introductions.labels_for(db_session, [item])
    if item.is_routed_to_administrators and item.sender_id != viewer.account_id:
        # an administrator or a referent reads, in the recipient's stead, the sender's name and message
        audit_read(
            request,
            db_session,
            viewer,
            AccessKind.INTRODUCTION,
            person_ids=[item.sender_id],
            record_ids=[f"introduction:{item.id}"],
        )
    return _show(
        request,
        "exchanges/introduction_detail.html",
        viewer,
        status_code=422 if errors else 200,
        item=item,
        target=targets.get(request_id),
        is_sender=item.sender_id == viewer.account_id,
        can_answer=introductions.can_answer(db_session, viewer, item, now),
        contact=introductions.contact_for(db_session, viewer, item),
        sender_name=introductions.sender_name(db_session, item),
        errors=errors,
        values=values,
    )


@get("/mises-en-relation/{request_id:int}", name="exchanges.introduction")
@in_thread
def introduction_detail(
    request: Request[Any, Any, Any], request_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One request: the message, its status, the answer form for the recipient, contacts once accepted."""
    signed_in = require_viewer(viewer)
    return _introduction_page(request, signed_in, db_session, request_id, {}, {})


@post("/mises-en-relation/{request_id:int}/reponse", name="exchanges.introduction_answer")
@in_thread
def introduction_answer(
    request: Request[Any, Any, Any],
    request_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> Response[Any] | Template:
    """Accept or decline (with a reason) a request addressed to the person."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    item = introductions.get_introduction(db_session, signed_in, request_id, utcnow())
    try:
        mails = introductions.decide_introduction(
            db_session, signed_in, item, validate(DecisionInput, values), utcnow()
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _introduction_page(request, signed_in, db_session, request_id, exc.errors, values)
    deliver(_settings(state), mails)
    return Redirect(path=f"/mises-en-relation/{request_id}?fait=reponse", status_code=303)


# -- notifications and outbox --------------------------------------------------------------------------------------


@get("/compte/notifications", name="exchanges.notifications")
@in_thread
def notification_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The person's notifications, newest first."""
    signed_in = require_viewer(viewer)
    items = services.list_notifications(db_session, signed_in)
    return _show(request, "exchanges/notification_list.html", viewer, items=items)


@post("/compte/notifications/lues", name="exchanges.notifications_read")
@in_thread
def notifications_read(db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Mark every notification as read."""
    signed_in = require_viewer(viewer)
    services.mark_all_read(db_session, signed_in, utcnow())
    db_session.commit()
    return Redirect(path="/compte/notifications?fait=lues", status_code=303)


@get("/administration/courriels", name="exchanges.outbox")
@in_thread
def outbox(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer, state: State) -> Template:
    """The e-mails the hub wrote to its local outbox (mail_backend=outbox), for administrators. Each view is
    audited: the e-mails shown (by file name) and the accounts they were sent to, the reader's own left out."""
    if viewer is None or not viewer.is_admin:
        raise PermissionDenied("Cette page est réservée aux administrateurs.")
    settings = _settings(state)
    mails = list_outbox(settings)
    others = [m for m in mails if m.to.strip().lower() != viewer.email.lower()]
    audit_read(
        request,
        db_session,
        viewer,
        AccessKind.OUTBOX,
        person_ids=account_ids_of(db_session, [m.to for m in others]),
        record_ids=[f"mail:{m.name}" for m in others],
    )
    return _show(request, "exchanges/outbox_list.html", viewer, backend=settings.mail_backend, mails=mails)


ROUTES = [
    availability_list,
    availability_form,
    availability_create,
    availability_withdraw,
    project_people,
    introduction_list,
    introduction_form,
    introduction_create,
    introduction_detail,
    introduction_answer,
    notification_list,
    notifications_read,
    outbox,
]
