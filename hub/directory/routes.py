"""Directory pages: list with filters, actor page, create and edit forms, claiming."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.changelog.services import list_changes
from hub.directory import services
from hub.directory.models import ActorKind, ActorPhase, VerificationStatus
from hub.directory.shapes import ActorInput
from hub.errors import InvalidInput, PermissionDenied
from hub.filters import KNOWN_ACTOR_PARAMS, actor_filters, check_known, reference_choices
from hub.freshness import cached_page
from hub.listing import parse_page
from hub.matchmaking.services import actor_panel
from hub.projects.services import projects_of_actor
from hub.territories.services import territory_names
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, flash_cookie, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]


def _choices(db_session: DbSession) -> dict[str, Any]:
    return reference_choices(db_session) | {
        "kinds": list(ActorKind),
        "phases": list(ActorPhase),
    }


@get("/annuaire", name="directory.list")
async def actor_list(request: Request[Any, Any, Any]) -> Response[Any]:
    """The directory with its filters and pagination. Anonymous visitors get the worker's cached copy while the catalogue is unchanged."""
    params = dict(request.query_params)
    check_known(params, KNOWN_ACTOR_PARAMS)
    return await cached_page(request, "directory/actor_list.html", "actors-page", params, _actor_list_context)


def _actor_list_context(db_session: Session, params: Mapping[str, str]) -> dict[str, Any]:
    choices = _choices(db_session)
    filters = actor_filters(choices, params)
    page_number, per_page = parse_page(params)
    result = services.list_actors(db_session, filters, page=page_number, per_page=per_page)
    sectors = services.actor_sectors(db_session, [item.id for item in result.items if item.id is not None])
    return {
        "result": result,
        "params": params,
        "item_sectors": sectors,
        "names": territory_names(db_session),
        **choices,
    }


@get("/annuaire/{slug:str}", name="directory.detail")
@in_thread
def actor_detail(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer, state: State
) -> Template:
    """An actor's page."""
    actor = services.get_actor(db_session, slug)
    assert actor.id is not None
    return page(
        request,
        "directory/actor_detail.html",
        viewer,
        actor=actor,
        sectors=services.actor_sectors(db_session, [actor.id])[actor.id],
        phases=services.actor_phases(db_session, actor.id),
        projects=projects_of_actor(db_session, actor.id),
        members=services.approved_members(db_session, actor.id),
        can_edit=services.can_edit_actor(db_session, viewer, actor),
        is_member=services.is_member(db_session, viewer, actor.id),
        changes=list_changes(db_session, "actor", actor.id)[:20],
        names=territory_names(db_session, [actor.region_id, actor.departement_id]),
        suggestion_panel=actor_panel(db_session, state.suggestion_graphs, actor, viewer),
    )


def _form(
    request: Request[Any, Any, Any],
    viewer: CurrentViewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
    actor: Any = None,
) -> Template:
    return page(
        request,
        "directory/actor_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        actor=actor,
        **_choices(db_session),
    )


@get("/annuaire/nouveau", name="directory.create_form")
@in_thread
def actor_create_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to add an actor."""
    require_viewer(viewer, "Connectez-vous pour ajouter un acteur.")
    return _form(request, viewer, db_session, {"sectors": [], "phases": []}, {})


@post("/annuaire/nouveau", name="directory.create")
@in_thread
def actor_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Create an actor from the form; errors come back next to each field."""
    require_viewer(viewer, "Connectez-vous pour ajouter un acteur.")
    values = form_dict(data, lists=("sectors", "phases"), flags=("is_experimentation_volunteer",))
    try:
        actor = services.create_actor(db_session, validate(ActorInput, values), viewer)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, viewer, db_session, values, exc.errors)
    response = Redirect(path=f"/annuaire/{actor.slug}", status_code=303)
    response.set_cookie(flash_cookie("actor_created"))
    return response


@get("/annuaire/{slug:str}/modifier", name="directory.edit_form")
@in_thread
def actor_edit_form(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The form to edit an actor (members and administrators)."""
    require_viewer(viewer)
    actor = services.get_actor(db_session, slug)
    if not services.can_edit_actor(db_session, viewer, actor):
        raise PermissionDenied("Seuls les représentants de cet acteur ou un administrateur peuvent modifier sa fiche.")
    return _form(request, viewer, db_session, services.actor_to_input(db_session, actor), {}, actor)


@post("/annuaire/{slug:str}/modifier", name="directory.edit")
@in_thread
def actor_edit(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save an actor's changes (logged)."""
    require_viewer(viewer)
    actor = services.get_actor(db_session, slug)
    values = form_dict(data, lists=("sectors", "phases"), flags=("is_experimentation_volunteer",))
    try:
        services.update_actor(db_session, actor, validate(ActorInput, values), viewer)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, viewer, db_session, values, exc.errors, actor)
    response = Redirect(path=f"/annuaire/{actor.slug}", status_code=303)
    response.set_cookie(flash_cookie("actor_updated"))
    return response


@post("/annuaire/{slug:str}/representer", name="directory.claim")
@in_thread
def actor_claim(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """Ask to represent an actor."""
    require_viewer(viewer, "Connectez-vous pour demander à représenter cet acteur.")
    actor = services.get_actor(db_session, slug)
    services.request_claim(db_session, actor, viewer, str(form_dict(data).get("message", "")))
    db_session.commit()
    response = Redirect(path=f"/annuaire/{actor.slug}", status_code=303)
    response.set_cookie(flash_cookie("claim_sent"))
    return response


@get("/administration/demandes", name="directory.claims")
@in_thread
def claim_inbox(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Requests to represent an actor, for administrators."""
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Cette page est réservée aux administrateurs.")
    return _claim_inbox(request, db_session, signed_in, {})


def _claim_inbox(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    errors: Mapping[int, str],
    status_code: int = 200,
) -> Template:
    """The pending requests, each with its requester's e-mail and message: every showing is audited (the
    administrator's own request, if any, left out)."""
    claims = services.list_pending_claims(db_session)
    others = [(membership, account) for membership, _, account in claims if account.id != viewer.account_id]
    audit_read(
        request,
        db_session,
        viewer,
        AccessKind.MEMBERSHIP_CLAIMS,
        person_ids=[account.id for _, account in others],
        record_ids=[f"membership:{membership.id}" for membership, _ in others],
    )
    return page(request, "directory/claim_inbox.html", viewer, status_code=status_code, claims=claims, errors=errors)


@post("/administration/demandes/{membership_id:int}", name="directory.claim_decide")
@in_thread
def claim_decide(
    request: Request[Any, Any, Any],
    membership_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Approve or refuse a request to represent an actor."""
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Seul un administrateur peut traiter les demandes de représentation.")
    values = form_dict(data)
    decision = values.get("decision")
    if decision not in ("approve", "refuse"):
        raise InvalidInput({"decision": "Choisissez d’accepter ou de refuser la demande."})
    try:
        services.decide_claim(
            db_session, membership_id, viewer, approve=decision == "approve", reason=str(values.get("reason", ""))
        )
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _claim_inbox(
            request, db_session, signed_in, {membership_id: exc.errors.get("reason", exc.message)}, status_code=422
        )
    response = Redirect(path="/administration/demandes", status_code=303)
    response.set_cookie(flash_cookie("claim_decided"))
    return response


@post("/annuaire/{slug:str}/verification", name="directory.verification")
@in_thread
def actor_verification(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """An administrator changes an actor's verification status."""
    require_viewer(viewer)
    values = form_dict(data)
    try:
        status = VerificationStatus(str(values.get("status", "")))
    except ValueError:
        raise InvalidInput({"status": "Choisissez un statut de vérification dans la liste."}) from None
    actor = services.get_actor(db_session, slug)
    services.set_verification_status(db_session, actor, status, viewer, str(values.get("reason", ""))[:1000])
    db_session.commit()
    response = Redirect(path=f"/annuaire/{actor.slug}", status_code=303)
    response.set_cookie(flash_cookie("actor_updated"))
    return response


ROUTES = [
    actor_list,
    actor_create_form,
    actor_create,
    actor_detail,
    actor_edit_form,
    actor_edit,
    actor_claim,
    claim_inbox,
    claim_decide,
    actor_verification,
]
