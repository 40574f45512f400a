"""Reading and writing the directory of actors; the only code that writes actors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Person
from hub.accounts.viewer import Viewer
from hub.changelog.services import diff, record_change
from hub.db import utcnow
from hub.directory.models import (
    Actor,
    ActorKind,
    ActorMembership,
    ActorPhase,
    ActorPhaseLink,
    ActorSector,
    MembershipStatus,
    VerificationStatus,
)
from hub.directory.shapes import ActorInput
from hub.errors import Conflict, InvalidInput, LoginRequired, NotFound, PermissionDenied
from hub.listing import Page, check_page_exists
from hub.sectors.models import Sector
from hub.slugs import unique_slug
from hub.territories.models import Territory, TerritoryLevel, departement_id


@dataclass(frozen=True)
class ActorFilters:
    """The directory's filters (all optional)."""

    kind: str | None = None
    sector: str | None = None
    region: str | None = None
    departement: str | None = None
    phase: str | None = None
    volunteer: bool | None = None
    q: str | None = None


def list_actors(session: Session, filters: ActorFilters, *, page: int = 1, per_page: int = 20) -> Page[Actor]:
    """One page of listed actors matching `filters`, alphabetical."""
    statement = select(Actor).where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
    if filters.kind:
        statement = statement.where(col(Actor.kind) == filters.kind)
    if filters.region:
        statement = statement.where(col(Actor.region_id) == filters.region)
    if filters.departement:
        statement = statement.where(col(Actor.departement_id) == filters.departement)
    if filters.volunteer is not None:
        statement = statement.where(col(Actor.is_experimentation_volunteer) == filters.volunteer)
    if filters.sector:
        statement = statement.where(
            col(Actor.id).in_(select(ActorSector.actor_id).where(col(ActorSector.sector_code) == filters.sector))
        )
    if filters.phase:
        statement = statement.where(
            col(Actor.id).in_(select(ActorPhaseLink.actor_id).where(col(ActorPhaseLink.phase) == filters.phase))
        )
    if filters.q:
        pattern = f"%{_escape_like(filters.q.lower())}%"
        statement = statement.where(
            or_(func.lower(Actor.name).like(pattern, escape="\\"), func.lower(Actor.acronym).like(pattern, escape="\\"))
        )
    total = int(session.exec(select(func.count()).select_from(statement.subquery())).one())
    check_page_exists(page, per_page, total)
    items = session.exec(
        statement.order_by(func.lower(Actor.name), col(Actor.id)).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_actor(session: Session, slug: str) -> Actor:
    """The actor with this slug, or NotFound."""
    actor = session.exec(select(Actor).where(col(Actor.slug) == slug)).first()
    if actor is None:
        raise NotFound("Cet acteur n’existe pas dans l’annuaire.")
    return actor


def get_actor_by_id(session: Session, actor_id: int) -> Actor:
    """The actor with this id, or NotFound."""
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise NotFound("Cet acteur n’existe pas dans l’annuaire.")
    return actor


def actor_sectors(session: Session, actor_ids: Sequence[int]) -> dict[int, list[Sector]]:
    """The sectors of several actors in one query."""
    rows = session.exec(
        select(ActorSector.actor_id, Sector)
        .join(Sector, col(Sector.code) == col(ActorSector.sector_code))
        .where(col(ActorSector.actor_id).in_(actor_ids))
        .order_by(col(Sector.label))
    ).all()
    result: dict[int, list[Sector]] = {actor_id: [] for actor_id in actor_ids}
    for actor_id, sector in rows:
        result[actor_id].append(sector)
    return result


def actor_phases(session: Session, actor_id: int) -> list[ActorPhase]:
    """The phases an actor will join, in project order."""
    phases = set(session.exec(select(ActorPhaseLink.phase).where(col(ActorPhaseLink.actor_id) == actor_id)).all())
    return [phase for phase in ActorPhase if phase in phases]


def phases_of(session: Session, actor_ids: Sequence[int]) -> dict[int, list[str]]:
    """The phases of several actors in one query, in project order."""
    order = {phase.value: index for index, phase in enumerate(ActorPhase)}
    found: dict[int, list[str]] = {actor_id: [] for actor_id in actor_ids}
    for actor_id, phase in session.exec(
        select(ActorPhaseLink.actor_id, ActorPhaseLink.phase).where(col(ActorPhaseLink.actor_id).in_(actor_ids))
    ).all():
        found[actor_id].append(str(phase))
    return {actor_id: sorted(phases, key=lambda p: order.get(p, 99)) for actor_id, phases in found.items()}


def approved_members(session: Session, actor_id: int) -> list[Person]:
    """The people who represent the actor."""
    return list(
        session.exec(
            select(Person)
            .join(ActorMembership, col(ActorMembership.account_id) == col(Person.account_id))
            .where(col(ActorMembership.actor_id) == actor_id, col(ActorMembership.status) == MembershipStatus.APPROVED)
            .order_by(col(Person.display_name))
        ).all()
    )


def is_member(session: Session, viewer: Viewer | None, actor_id: int) -> bool:
    """Whether the viewer represents the actor."""
    if viewer is None:
        return False
    membership = session.exec(
        select(ActorMembership.id).where(
            col(ActorMembership.actor_id) == actor_id,
            col(ActorMembership.account_id) == viewer.account_id,
            col(ActorMembership.status) == MembershipStatus.APPROVED,
        )
    ).first()
    return membership is not None


def can_edit_actor(session: Session, viewer: Viewer | None, actor: Actor) -> bool:
    """Only the actor's own members or an administrator may edit it.

    Referents will join this rule once referent assignments exist (sector x territory).
    """
    if viewer is None:
        return False
    return viewer.is_admin or is_member(session, viewer, actor.id or 0)


def _check_references(session: Session, data: ActorInput | Any) -> tuple[str | None, str | None]:
    """Check sectors and département exist; return (departement_id, region_id)."""
    errors: dict[str, str] = {}
    sectors = list(getattr(data, "sectors", []))
    if sectors:
        known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(sectors))).all())
        unknown = [code for code in sectors if code not in known]
        if unknown:
            errors["sectors"] = f"Secteur inconnu : {', '.join(unknown[:3])}."
    dep_id = region = None
    code = getattr(data, "departement", "")
    if code:
        territory = session.get(Territory, departement_id(code.upper()))
        if territory is None or territory.level != TerritoryLevel.DEPARTEMENT:
            errors["departement"] = "Département inconnu : saisissez son code INSEE (par exemple 33 ou 2A)."
        else:
            dep_id, region = territory.id, territory.parent_id
    if errors:
        raise InvalidInput(errors)
    return dep_id, region


_SCALAR_FIELDS = (
    "name",
    "acronym",
    "kind",
    "siren",
    "siret",
    "finess",
    "rna",
    "rnsr",
    "ror",
    "address",
    "postcode",
    "commune",
    "is_experimentation_volunteer",
    "experimentation_offer",
    "description",
    "website",
)


def _snapshot(session: Session, actor: Actor) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(actor, name) for name in _SCALAR_FIELDS}
    values["kind"] = str(actor.kind)
    values["departement_id"] = actor.departement_id
    if actor.id is not None:
        values["sectors"] = sorted(
            session.exec(select(ActorSector.sector_code).where(col(ActorSector.actor_id) == actor.id)).all()
        )
        values["phases"] = sorted(str(p) for p in actor_phases(session, actor.id))
    else:
        values["sectors"] = []
        values["phases"] = []
    return values


def _apply(session: Session, actor: Actor, data: ActorInput, dep_id: str | None, region: str | None) -> None:
    for name in _SCALAR_FIELDS:
        value = getattr(data, name)
        setattr(
            actor,
            name,
            value if value != "" or name not in {"siren", "siret", "finess", "rna", "rnsr", "ror"} else None,
        )
    actor.kind = ActorKind(data.kind)
    actor.departement_id, actor.region_id = dep_id, region
    actor.updated_at = utcnow()
    session.add(actor)
    session.flush()
    assert actor.id is not None
    for link in session.exec(select(ActorSector).where(col(ActorSector.actor_id) == actor.id)).all():
        session.delete(link)
    for link_phase in session.exec(select(ActorPhaseLink).where(col(ActorPhaseLink.actor_id) == actor.id)).all():
        session.delete(link_phase)
    session.flush()
    session.add_all(ActorSector(actor_id=actor.id, sector_code=code) for code in data.sectors)
    session.add_all(ActorPhaseLink(actor_id=actor.id, phase=phase) for phase in data.phases)


def _check_duplicate_identifier(session: Session, data: ActorInput, exclude_id: int | None) -> None:
    for field in ("siret", "finess", "rnsr", "ror", "rna"):
        value = getattr(data, field)
        if not value:
            continue
        column = col(getattr(Actor, field))
        statement = select(Actor.slug).where(column == value)
        if exclude_id is not None:
            statement = statement.where(col(Actor.id) != exclude_id)
        if session.exec(statement).first() is not None:
            raise InvalidInput(
                {field: "Un acteur portant cet identifiant existe déjà dans l’annuaire : demandez à le représenter."}
            )


def create_actor(session: Session, data: ActorInput, viewer: Viewer | None) -> Actor:
    """Register a new actor; its creator becomes its first member. Logged."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour ajouter un acteur.")
    dep_id, region = _check_references(session, data)
    _check_duplicate_identifier(session, data, None)
    actor = Actor(slug=unique_slug(session, Actor, data.name), name=data.name, kind=data.kind, is_claimed=True)
    _apply(session, actor, data, dep_id, region)
    assert actor.id is not None
    session.add(
        ActorMembership(
            actor_id=actor.id,
            account_id=viewer.account_id,
            status=MembershipStatus.APPROVED,
            message="Création de la fiche",
            decided_at=utcnow(),
        )
    )
    session.flush()
    record_change(
        session,
        object_type="actor",
        object_id=actor.id,
        action="create",
        account_id=viewer.account_id,
        changes=diff({}, _snapshot(session, actor)),
    )
    return actor


def update_actor(session: Session, actor: Actor, data: ActorInput, viewer: Viewer | None) -> Actor:
    """Edit an actor (members and administrators only). Logged with before and after."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour modifier cette fiche.")
    if not can_edit_actor(session, viewer, actor):
        raise PermissionDenied("Seuls les représentants de cet acteur ou un administrateur peuvent modifier sa fiche.")
    dep_id, region = _check_references(session, data)
    _check_duplicate_identifier(session, data, actor.id)
    before = _snapshot(session, actor)
    _apply(session, actor, data, dep_id, region)
    session.flush()
    changes = diff(before, _snapshot(session, actor))
    if changes:
        assert actor.id is not None
        record_change(
            session,
            object_type="actor",
            object_id=actor.id,
            action="update",
            account_id=viewer.account_id,
            changes=changes,
        )
    return actor


def actor_to_input(session: Session, actor: Actor) -> dict[str, Any]:
    """The form values of an existing actor."""
    values = _snapshot(session, actor)
    values["departement"] = (actor.departement_id or "").removeprefix("dep-")
    for name in ("siren", "siret", "finess", "rna", "rnsr", "ror"):
        values[name] = values[name] or ""
    return values


def request_claim(session: Session, actor: Actor, viewer: Viewer | None, message: str) -> ActorMembership:
    """A signed-in person asks to represent an actor (typically one created by the seed)."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour demander à représenter cet acteur.")
    if actor.verification_status == VerificationStatus.WITHDRAWN:
        raise Conflict("Cet acteur a été retiré de l’annuaire.")
    message = message.strip()
    if len(message) > 2000:
        raise InvalidInput({"message": "Ce texte est trop long (2000 caractères au plus)."})
    existing = session.exec(
        select(ActorMembership).where(
            col(ActorMembership.actor_id) == actor.id,
            col(ActorMembership.account_id) == viewer.account_id,
            col(ActorMembership.status).in_([MembershipStatus.PENDING, MembershipStatus.APPROVED]),
        )
    ).first()
    if existing is not None:
        if existing.status == MembershipStatus.APPROVED:
            raise Conflict("Vous représentez déjà cet acteur.")
        raise Conflict("Votre demande est déjà en attente de décision.")
    assert actor.id is not None
    membership = ActorMembership(actor_id=actor.id, account_id=viewer.account_id, message=message)
    session.add(membership)
    session.flush()
    record_change(
        session,
        object_type="actor",
        object_id=actor.id,
        action="claim_requested",
        account_id=viewer.account_id,
        changes={},
        note=message[:1000],
    )
    return membership


def list_pending_claims(session: Session) -> Sequence[tuple[ActorMembership, Actor, Account]]:
    """Requests to represent an actor that await a decision, oldest first."""
    return session.exec(
        select(ActorMembership, Actor, Account)
        .join(Actor, col(Actor.id) == col(ActorMembership.actor_id))
        .join(Account, col(Account.id) == col(ActorMembership.account_id))
        .where(col(ActorMembership.status) == MembershipStatus.PENDING)
        .order_by(col(ActorMembership.created_at), col(ActorMembership.id))
    ).all()


def decide_claim(
    session: Session, membership_id: int, viewer: Viewer | None, *, approve: bool, reason: str
) -> ActorMembership:
    """An administrator approves or refuses (with a reason) a request to represent an actor. Logged."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour traiter cette demande.")
    if not viewer.is_admin:
        raise PermissionDenied("Seul un administrateur peut traiter les demandes de représentation.")
    membership = session.get(ActorMembership, membership_id, with_for_update=True)
    if membership is None:
        raise NotFound("Cette demande n’existe pas.")
    if membership.status != MembershipStatus.PENDING:
        raise Conflict("Cette demande a déjà été traitée.")
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput({"reason": "Indiquez le motif du refus : il sera communiqué au demandeur."})
    if len(reason) > 2000:
        raise InvalidInput({"reason": "Ce texte est trop long (2000 caractères au plus)."})
    actor = get_actor_by_id(session, membership.actor_id)
    membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REFUSED
    membership.reason = reason
    membership.decided_by_id = viewer.account_id
    membership.decided_at = utcnow()
    session.add(membership)
    changes: dict[str, Any] = {"membership": [MembershipStatus.PENDING.value, membership.status.value]}
    if approve:
        before_claimed, before_status = actor.is_claimed, actor.verification_status
        actor.is_claimed = True
        actor.verification_status = VerificationStatus.VERIFIED
        actor.updated_at = utcnow()
        session.add(actor)
        changes |= {
            "is_claimed": [before_claimed, True],
            "verification_status": [str(before_status), VerificationStatus.VERIFIED.value],
        }
    assert actor.id is not None
    record_change(
        session,
        object_type="actor",
        object_id=actor.id,
        action="claim_approved" if approve else "claim_refused",
        account_id=viewer.account_id,
        changes=changes,
        note=reason[:1000],
    )
    return membership


def set_verification_status(
    session: Session, actor: Actor, status: VerificationStatus, viewer: Viewer | None, reason: str
) -> Actor:
    """An administrator sets an actor's verification status (declared, verified, withdrawn). Logged."""
    if viewer is None or not viewer.is_admin:
        raise PermissionDenied("Seul un administrateur peut changer le statut de vérification.")
    before = str(actor.verification_status)
    if before == status.value:
        return actor
    actor.verification_status = status
    actor.updated_at = utcnow()
    session.add(actor)
    assert actor.id is not None
    record_change(
        session,
        object_type="actor",
        object_id=actor.id,
        action="verification",
        account_id=viewer.account_id,
        changes={"verification_status": [before, status.value]},
        note=reason[:1000],
    )
    return actor


def memberships_of(session: Session, account_id: int) -> Sequence[tuple[ActorMembership, Actor]]:
    """A person's memberships and requests, newest first."""
    return session.exec(
        select(ActorMembership, Actor)
        .join(Actor, col(Actor.id) == col(ActorMembership.actor_id))
        .where(col(ActorMembership.account_id) == account_id)
        .order_by(col(ActorMembership.created_at).desc())
    ).all()
