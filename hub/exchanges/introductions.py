"""Introduction requests: routing to the recipient (or administrators), rate limit, decisions, contact reveal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.accounts.viewer import Viewer
from hub.directory.models import Actor, ActorMembership, MembershipStatus, VerificationStatus
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from hub.exchanges.mail import Mail
from hub.exchanges.models import (
    INTRODUCTION_STATUS_LABELS,
    Availability,
    IntroductionRequest,
    IntroductionStatus,
    TargetKind,
)
from hub.exchanges.services import administrator_ids, emails_of, get_visible_availability, is_current, notify
from hub.exchanges.shapes import DecisionInput, IntroductionInput
from hub.projects.models import Project, ProjectStatus
from hub.referents.routing import is_assignee, place_of, resolve, route

DAILY_LIMIT = 10  # requests per sender per 24 hours, counted in the database so that every worker agrees
SELF = "Vous ne pouvez pas demander à être mis en relation avec vous-même ou avec votre propre projet."


@dataclass(frozen=True)
class Routing:
    """Who answers a request: the target's own accounts, or administrators when it has none."""

    recipient_ids: tuple[int, ...]
    via_administrators: bool


@dataclass(frozen=True)
class Target:
    """What a request is addressed to, as people see it."""

    kind: TargetKind
    id: int
    label: str
    url: str
    sectors_territory: tuple[str | None, str | None] = (None, None)


def _actor_members(session: Session, actor_ids: Sequence[int]) -> list[int]:
    if not actor_ids:
        return []
    return sorted(
        set(
            session.exec(
                select(ActorMembership.account_id).where(
                    col(ActorMembership.actor_id).in_(actor_ids),
                    col(ActorMembership.status) == MembershipStatus.APPROVED,
                )
            ).all()
        )
    )


def _project_leads(session: Session, project: Project) -> list[int]:
    leads = set(_actor_members(session, [project.carrier_id] if project.carrier_id else []))
    if project.created_by_id is not None:
        leads.add(project.created_by_id)
    return sorted(leads)


def route_introduction(session: Session, target: Actor | Availability | Project) -> Routing:
    """Who receives a request for `target`. Targets without any account go to administrators; this is the hook
    where referents of the target's sector and territory will take over once referent assignments exist."""
    if isinstance(target, Availability):
        return Routing((target.account_id,), False)
    owners = _actor_members(session, [target.id or 0]) if isinstance(target, Actor) else _project_leads(session, target)
    if owners:
        return Routing(tuple(owners), False)
    return Routing(tuple(administrator_ids(session)), True)


def load_target(
    session: Session, viewer: Viewer | None, kind: TargetKind, target_id: int, now: datetime
) -> Actor | Availability | Project:
    """The object a request is for; a withdrawn one is a conflict, an unknown or hidden one is not found."""
    if kind == TargetKind.ACTOR:
        actor = session.get(Actor, target_id)
        if actor is None:
            raise NotFound("Cet acteur n’existe pas.")
        if actor.verification_status == VerificationStatus.WITHDRAWN:
            raise Conflict("Cet acteur a été retiré de l’annuaire : il n’est plus possible de le contacter.")
        return actor
    if kind == TargetKind.PROJECT:
        project = session.get(Project, target_id)
        if project is None:
            raise NotFound("Ce projet n’existe pas.")
        if project.status != ProjectStatus.ACTIVE:
            raise Conflict("Ce projet a été retiré ou fusionné : il n’est plus possible de le contacter.")
        return project
    return get_visible_availability(session, viewer, target_id, now.date())


def describe(session: Session, target: Actor | Availability | Project) -> Target:
    """How a target is named in pages, notifications and e-mails (no contact details)."""
    if isinstance(target, Actor):
        return Target(TargetKind.ACTOR, target.id or 0, target.name, f"/annuaire/{target.slug}")
    if isinstance(target, Project):
        return Target(TargetKind.PROJECT, target.id or 0, target.title, f"/projets/{target.slug}")
    person = session.exec(select(Person).where(col(Person.account_id) == target.account_id)).first()
    name = person.display_name if person is not None else "Membre du hub"
    return Target(TargetKind.AVAILABILITY, target.id or 0, f"{name} (disponibilité)", "/compte/disponibilites")


def sender_options(session: Session, viewer: Viewer, now: datetime) -> list[tuple[str, str]]:
    """On whose behalf the person may ask: projects they lead, structures they represent, their own availability."""
    actor_rows = session.exec(
        select(Actor.id, Actor.name)
        .join(ActorMembership, col(ActorMembership.actor_id) == col(Actor.id))
        .where(
            col(ActorMembership.account_id) == viewer.account_id,
            col(ActorMembership.status) == MembershipStatus.APPROVED,
        )
        .order_by(col(Actor.name))
    ).all()
    actor_ids = [a for a, _ in actor_rows if a is not None]
    condition = col(Project.created_by_id) == viewer.account_id
    if actor_ids:
        condition = or_(condition, col(Project.carrier_id).in_(actor_ids))
    projects = session.exec(
        select(Project.id, Project.title)
        .where(condition, col(Project.status) == ProjectStatus.ACTIVE)
        .order_by(col(Project.title))
    ).all()
    availabilities = session.exec(
        select(Availability).where(col(Availability.account_id) == viewer.account_id).order_by(col(Availability.id))
    ).all()
    options = [(f"project:{i}", f"Projet : {t}") for i, t in projects]
    options += [(f"actor:{i}", f"Structure : {n}") for i, n in actor_rows]
    options += [
        (f"availability:{a.id}", f"Ma disponibilité jusqu’au {a.ends_on.strftime('%d/%m/%Y')}")
        for a in availabilities
        if is_current(a, now.date())
    ]
    return options


def _is_self(session: Session, viewer: Viewer, target: Actor | Availability | Project) -> bool:
    if isinstance(target, Availability):
        return target.account_id == viewer.account_id
    if isinstance(target, Actor):
        return viewer.account_id in _actor_members(session, [target.id or 0])
    return viewer.account_id in _project_leads(session, target)


def create_introduction(
    session: Session, viewer: Viewer, data: IntroductionInput, now: datetime
) -> tuple[IntroductionRequest, list[Mail]]:
    """Ask to be introduced; refused to oneself, twice while pending, to a withdrawn target, or past the daily
    limit. The recipients (or administrators) are notified; the e-mails are returned to send after commit."""
    target = load_target(session, viewer, data.target_kind, data.target_id, now)
    options = dict(sender_options(session, viewer, now))
    if not options:
        raise PermissionDenied(
            "Pour demander une mise en relation, déclarez d’abord un projet, représentez une structure de "
            "l’annuaire ou déclarez une disponibilité."
        )
    if data.on_behalf not in options:
        raise InvalidInput({"on_behalf": "Choisissez au nom de quel projet ou de quelle structure vous écrivez."})
    on_behalf_kind, _, on_behalf_id = data.on_behalf.partition(":")
    if _is_self(session, viewer, target) or data.on_behalf == f"{data.target_kind}:{data.target_id}":
        raise InvalidInput({"target_id": SELF})
    pending = session.exec(
        select(IntroductionRequest.id).where(
            col(IntroductionRequest.sender_id) == viewer.account_id,
            col(IntroductionRequest.target_kind) == data.target_kind,
            col(IntroductionRequest.target_id) == data.target_id,
            col(IntroductionRequest.status) == IntroductionStatus.PENDING,
        )
    ).first()
    if pending is not None:
        raise Conflict("Vous avez déjà une demande de mise en relation en attente pour ce destinataire.")
    sent_today = session.exec(
        select(func.count())
        .select_from(IntroductionRequest)
        .where(
            col(IntroductionRequest.sender_id) == viewer.account_id,
            col(IntroductionRequest.created_at) >= now - timedelta(hours=24),
        )
    ).one()
    if sent_today >= DAILY_LIMIT:
        raise TooManyRequests(
            f"Vous avez envoyé {DAILY_LIMIT} demandes de mise en relation en 24 heures : réessayez demain."
        )
    routing = route_introduction(session, target)
    request = IntroductionRequest(
        sender_id=viewer.account_id,
        sender_project_id=int(on_behalf_id) if on_behalf_kind == "project" else None,
        sender_actor_id=int(on_behalf_id) if on_behalf_kind == "actor" else None,
        target_kind=data.target_kind,
        target_id=data.target_id,
        purpose=data.purpose,
        message=data.message,
        is_routed_to_administrators=routing.via_administrators,
        created_at=now,
    )
    session.add(request)
    session.flush()
    described = describe(session, target)
    if routing.via_administrators and not isinstance(target, Availability):
        sectors, where = place_of(session, target)
        route(
            session,
            kind="introduction",
            subject_type="introduction",
            subject_id=request.id or 0,
            title=f"Mise en relation avec {described.label}",
            url=f"/mises-en-relation/{request.id}",
            sector_codes=sectors,
            territory_id=where,
        )
    sender = options[data.on_behalf]
    note = (
        " (transmise aux administrateurs : ce destinataire n’a pas encore de compte)"
        if routing.via_administrators
        else ""
    )
    mails = notify(
        session,
        routing.recipient_ids,
        f"{viewer.display_name} ({sender}) demande une mise en relation avec {described.label}{note}.",
        f"/mises-en-relation/{request.id}",
        "Nouvelle demande de mise en relation sur le lab e-santé",
        f"Bonjour,\n\n{viewer.display_name} ({sender}) souhaite être mis en relation avec {described.label}{note}.\n"
        f"Lisez sa demande et répondez-y sur le hub : /mises-en-relation/{request.id}\n"
        "Vos coordonnées ne lui seront transmises que si vous acceptez.",
    )
    return request, mails


def can_answer(session: Session, viewer: Viewer, request: IntroductionRequest, now: datetime) -> bool:
    """The target's own accounts answer; administrators answer the requests routed to them."""
    if request.is_routed_to_administrators:
        return viewer.is_admin or is_assignee(session, viewer, subject_type="introduction", subject_id=request.id or 0)
    target = _target_row(session, request)
    return target is not None and viewer.account_id in route_introduction(session, target).recipient_ids


def _target_row(session: Session, request: IntroductionRequest) -> Actor | Availability | Project | None:
    if request.target_kind == TargetKind.ACTOR:
        return session.get(Actor, request.target_id)
    if request.target_kind == TargetKind.PROJECT:
        return session.get(Project, request.target_id)
    return session.get(Availability, request.target_id)


def get_introduction(session: Session, viewer: Viewer, request_id: int, now: datetime) -> IntroductionRequest:
    """A request the viewer sent or may answer (anyone else gets NotFound)."""
    request = session.get(IntroductionRequest, request_id)
    if request is None or (request.sender_id != viewer.account_id and not can_answer(session, viewer, request, now)):
        raise NotFound("Cette demande de mise en relation n’existe pas.")
    return request


def decide_introduction(
    session: Session, viewer: Viewer, request: IntroductionRequest, data: DecisionInput, now: datetime
) -> list[Mail]:
    """Accept (contact details then revealed to the sender) or decline with a reason; the sender is notified."""
    if not can_answer(session, viewer, request, now):
        raise PermissionDenied("Seul le destinataire de la demande peut y répondre.")
    if request.status != IntroductionStatus.PENDING:
        raise Conflict("Cette demande a déjà reçu une réponse.")
    if data.decision == "decline" and not data.reason:
        raise InvalidInput({"reason": "Indiquez le motif du refus : il sera transmis à la personne."})
    if data.decision == "accept" and request.is_routed_to_administrators and not data.shared_contact:
        raise InvalidInput({"shared_contact": "Indiquez les coordonnées de la structure à transmettre."})
    request.status = IntroductionStatus.ACCEPTED if data.decision == "accept" else IntroductionStatus.DECLINED
    request.reason = data.reason if data.decision == "decline" else ""
    request.shared_contact = data.shared_contact if data.decision == "accept" else ""
    request.decided_by_id = viewer.account_id
    request.decided_at = now
    session.add(request)
    resolve(
        session,
        subject_type="introduction",
        subject_id=request.id or 0,
        outcome=f"Mise en relation {INTRODUCTION_STATUS_LABELS[request.status].lower()}",
        closed_by=viewer.account_id,
    )
    target = _target_row(session, request)
    label = describe(session, target).label if target is not None else "le destinataire"
    if data.decision == "accept":
        text = f"{label} a accepté votre demande de mise en relation : ses coordonnées sont visibles."
        body = f"Bonjour,\n\n{label} a accepté votre demande. Retrouvez ses coordonnées sur le hub : /mises-en-relation/{request.id}"
    else:
        text = f"{label} a décliné votre demande de mise en relation. Motif : {data.reason}"
        body = f"Bonjour,\n\n{label} a décliné votre demande de mise en relation.\nMotif : {data.reason}"
    return notify(
        session,
        [request.sender_id],
        text,
        f"/mises-en-relation/{request.id}",
        "Réponse à votre demande de mise en relation",
        body,
    )


def contact_for(session: Session, viewer: Viewer, request: IntroductionRequest) -> str:
    """The other side's contact details, once accepted (empty before: they stay hidden until then)."""
    if request.status != IntroductionStatus.ACCEPTED or request.decided_by_id is None:
        return ""
    if viewer.account_id == request.sender_id:
        if request.shared_contact:
            return request.shared_contact
        return emails_of(session, [request.decided_by_id]).get(request.decided_by_id, "")
    return emails_of(session, [request.sender_id]).get(request.sender_id, "")


def introductions_of(
    session: Session, viewer: Viewer, now: datetime
) -> tuple[list[IntroductionRequest], list[IntroductionRequest]]:
    """(requests the person sent, requests the person may answer), newest first, in a handful of queries."""
    newest = (col(IntroductionRequest.created_at).desc(), col(IntroductionRequest.id).desc())
    sent = list(
        session.exec(
            select(IntroductionRequest).where(col(IntroductionRequest.sender_id) == viewer.account_id).order_by(*newest)
        ).all()
    )
    actor_ids = session.exec(
        select(ActorMembership.actor_id).where(
            col(ActorMembership.account_id) == viewer.account_id,
            col(ActorMembership.status) == MembershipStatus.APPROVED,
        )
    ).all()
    led = col(Project.created_by_id) == viewer.account_id
    project_ids = session.exec(
        select(Project.id).where(or_(led, col(Project.carrier_id).in_(actor_ids)) if actor_ids else led)
    ).all()
    availability_ids = session.exec(
        select(Availability.id).where(col(Availability.account_id) == viewer.account_id)
    ).all()
    addressed = [
        and_(
            col(IntroductionRequest.target_kind) == TargetKind.ACTOR, col(IntroductionRequest.target_id).in_(actor_ids)
        ),
        and_(
            col(IntroductionRequest.target_kind) == TargetKind.PROJECT,
            col(IntroductionRequest.target_id).in_(project_ids),
        ),
        and_(
            col(IntroductionRequest.target_kind) == TargetKind.AVAILABILITY,
            col(IntroductionRequest.target_id).in_(availability_ids),
        ),
    ]
    mine = and_(col(IntroductionRequest.is_routed_to_administrators).is_(False), or_(*addressed))
    condition = or_(mine, col(IntroductionRequest.is_routed_to_administrators).is_(True)) if viewer.is_admin else mine
    received = list(
        session.exec(
            select(IntroductionRequest)
            .where(col(IntroductionRequest.sender_id) != viewer.account_id, condition)
            .order_by(*newest)
            .limit(500)
        ).all()
    )
    return sent, received


def labels_for(session: Session, requests: Sequence[IntroductionRequest]) -> dict[int, Target]:
    """How each request's target is named, by request id."""
    found: dict[int, Target] = {}
    for request in requests:
        target = _target_row(session, request)
        if target is not None and request.id is not None:
            found[request.id] = describe(session, target)
    return found


def sender_name(session: Session, request: IntroductionRequest) -> str:
    """How the sender is named to the recipient: display name and the project or structure they write for."""
    person = session.exec(select(Person).where(col(Person.account_id) == request.sender_id)).first()
    name = person.display_name if person is not None else "Membre du hub"
    if request.sender_project_id is not None:
        project = session.get(Project, request.sender_project_id)
        return f"{name}, pour le projet « {project.title} »" if project else name
    if request.sender_actor_id is not None:
        actor = session.get(Actor, request.sender_actor_id)
        return f"{name}, pour {actor.name}" if actor else name
    return name
