"""Recording advisers' dossiers and publishing their rejection rates (digest R6.10-R6.12).

An adviser is a support structure of the directory (SUPPORT_KINDS) or a company declared as a consulting firm by
one of its members. Only members of the adviser's organisation, or administrators, record its dossiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.accounts.viewer import Viewer
from hub.advisers.models import SUPPORT_KINDS, AdviserDeclaration, AdviserDossier, Authority, Outcome
from hub.advisers.rates import MIN_DECIDED_DOSSIERS, Report, report
from hub.advisers.shapes import DossierInput, OutcomeInput
from hub.db import utcnow
from hub.directory.models import Actor, ActorKind, ActorMembership, MembershipStatus, VerificationStatus
from hub.errors import Conflict, HubError, NotFound, PermissionDenied

NOT_A_MEMBER = (
    "Seuls les membres de cette structure, ou un administrateur, peuvent enregistrer ses dossiers. "
    "Demandez à représenter la structure depuis sa fiche de l’annuaire."
)


class TooFewDossiers(HubError):
    """An adviser's rate was asked for, but it has fewer decided dossiers than the minimum (no rate is published)."""

    status_code = 422
    title = "Trop peu de dossiers pour publier un taux"


@dataclass(frozen=True)
class AdviserLine:
    """An adviser and its report, for the list."""

    actor: Actor
    is_consultant: bool
    report: Report


def _affiliations(session: Session, account_id: int) -> set[int]:
    ids = set(
        session.exec(
            select(ActorMembership.actor_id).where(
                col(ActorMembership.account_id) == account_id,
                col(ActorMembership.status) == MembershipStatus.APPROVED,
            )
        ).all()
    )
    organisation = session.exec(select(Person.organisation_id).where(col(Person.account_id) == account_id)).first()
    if organisation is not None:
        ids.add(organisation)
    return ids


def is_member(session: Session, viewer: Viewer | None, actor: Actor) -> bool:
    """Whether the viewer belongs to the actor (approved membership or profile organisation)."""
    return viewer is not None and actor.id in _affiliations(session, viewer.account_id)


def can_record(session: Session, viewer: Viewer | None, actor: Actor) -> bool:
    """Members of the adviser's organisation, and administrators."""
    return viewer is not None and (viewer.is_admin or is_member(session, viewer, actor))


def is_declared(session: Session, actor_id: int) -> bool:
    """Whether a company is declared as a consulting firm."""
    return session.get(AdviserDeclaration, actor_id) is not None


def is_adviser(session: Session, actor: Actor) -> bool:
    """A listed support structure, or a company declared as a consulting firm."""
    if actor.verification_status == VerificationStatus.WITHDRAWN or actor.id is None:
        return False
    return actor.kind in SUPPORT_KINDS or (actor.kind == ActorKind.COMPANY and is_declared(session, actor.id))


def get_adviser(session: Session, slug: str) -> Actor:
    """The adviser with this directory slug, or NotFound (also for actors that are not advisers)."""
    actor = session.exec(select(Actor).where(col(Actor.slug) == slug)).first()
    if actor is None or not is_adviser(session, actor):
        raise NotFound("Cet acteur n’est ni une structure d’accompagnement ni un cabinet de conseil déclaré.")
    return actor


def get_adviser_by_id(session: Session, actor_id: int) -> Actor:
    """The adviser with this id, or NotFound."""
    actor = session.get(Actor, actor_id)
    if actor is None or not is_adviser(session, actor):
        raise NotFound("Cet acteur n’est ni une structure d’accompagnement ni un cabinet de conseil déclaré.")
    return actor


def get_actor_by_id(session: Session, actor_id: int) -> Actor:
    """Any directory actor (a company about to be declared), or NotFound."""
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise NotFound("Cet acteur n’existe pas dans l’annuaire.")
    return actor


def require_recorder(session: Session, viewer: Viewer, adviser: Actor) -> None:
    """PermissionDenied, with the reason, unless the viewer may record the adviser's dossiers."""
    if not can_record(session, viewer, adviser):
        raise PermissionDenied(NOT_A_MEMBER)


def declarable_companies(session: Session, viewer: Viewer | None) -> list[Actor]:
    """The companies the viewer belongs to that are not declared as consulting firms yet."""
    if viewer is None:
        return []
    ids = _affiliations(session, viewer.account_id)
    return [
        a
        for a in session.exec(
            select(Actor)
            .where(col(Actor.id).in_(ids), col(Actor.kind) == ActorKind.COMPANY)
            .order_by(func.lower(Actor.name))
        ).all()
        if a.id is not None and not is_declared(session, a.id)
    ]


def declare_consultant(session: Session, viewer: Viewer, actor: Actor) -> AdviserDeclaration:
    """A member of a company declares it as a consulting firm, so that its dossiers can be recorded."""
    if actor.kind != ActorKind.COMPANY:
        raise Conflict("Seule une entreprise peut être déclarée comme cabinet de conseil.")
    require_recorder(session, viewer, actor)
    assert actor.id is not None
    if is_declared(session, actor.id):
        raise Conflict("Cette entreprise est déjà déclarée comme cabinet de conseil.")
    declaration = AdviserDeclaration(actor_id=actor.id, declared_by_id=viewer.account_id)
    session.add(declaration)
    session.flush()
    return declaration


def record_dossier(session: Session, viewer: Viewer, adviser: Actor, data: DossierInput) -> AdviserDossier:
    """Record one dossier of the adviser with its outcome."""
    require_recorder(session, viewer, adviser)
    assert adviser.id is not None
    dossier = AdviserDossier(
        adviser_id=adviser.id,
        authority=data.authority,
        outcome=data.outcome,
        filed_on=data.filed_on,
        decided_on=data.decided_on,
        reference=data.reference,
        recorded_by_id=viewer.account_id,
    )
    session.add(dossier)
    session.flush()
    return dossier


def get_dossier(session: Session, adviser: Actor, dossier_id: int) -> AdviserDossier:
    """One dossier of this adviser, or NotFound."""
    dossier = session.get(AdviserDossier, dossier_id)
    if dossier is None or dossier.adviser_id != adviser.id:
        raise NotFound("Ce dossier n’existe pas.")
    return dossier


def update_outcome(
    session: Session, viewer: Viewer, adviser: Actor, dossier: AdviserDossier, data: OutcomeInput
) -> AdviserDossier:
    """Record the authority's answer on a dossier (who and when are kept)."""
    require_recorder(session, viewer, adviser)
    dossier.outcome = data.outcome
    dossier.decided_on = data.decided_on
    dossier.updated_by_id = viewer.account_id
    dossier.updated_at = utcnow()
    session.add(dossier)
    session.flush()
    return dossier


def dossiers_of(session: Session, adviser_id: int) -> Sequence[AdviserDossier]:
    """An adviser's dossiers, the latest filed first."""
    return session.exec(
        select(AdviserDossier)
        .where(col(AdviserDossier.adviser_id) == adviser_id)
        .order_by(col(AdviserDossier.filed_on).desc(), col(AdviserDossier.id).desc())
    ).all()


def report_of(session: Session, adviser_id: int) -> Report:
    """An adviser's counts, overall and by authority."""
    rows = session.exec(
        select(AdviserDossier.authority, AdviserDossier.outcome).where(col(AdviserDossier.adviser_id) == adviser_id)
    ).all()
    return report((Authority(a), Outcome(o)) for a, o in rows)


def published_rate(session: Session, adviser: Actor) -> Report:
    """The adviser's report when a rate may be published; TooFewDossiers (with the counts) otherwise."""
    assert adviser.id is not None
    found = report_of(session, adviser.id)
    if not found.overall.is_published:
        decided = found.overall.decided
        raise TooFewDossiers(
            f"Aucun taux n’est publié pour {adviser.name} : {decided} dossier{'s' if decided > 1 else ''} "
            f"décidé{'s' if decided > 1 else ''}, il en faut au moins {MIN_DECIDED_DOSSIERS}. "
            "En dessous, un seul dossier ferait varier le taux de plus de dix points."
        )
    return found


def list_advisers(session: Session) -> list[AdviserLine]:
    """Every adviser (support structures and declared consulting firms) with its report, alphabetical."""
    declared = select(AdviserDeclaration.actor_id)
    actors = session.exec(
        select(Actor)
        .where(
            col(Actor.verification_status) != VerificationStatus.WITHDRAWN,
            or_(col(Actor.kind).in_([str(k) for k in SUPPORT_KINDS]), col(Actor.id).in_(declared)),
        )
        .order_by(func.lower(Actor.name), col(Actor.id))
    ).all()
    ids = [a.id for a in actors if a.id is not None]
    rows = session.exec(
        select(AdviserDossier.adviser_id, AdviserDossier.authority, AdviserDossier.outcome).where(
            col(AdviserDossier.adviser_id).in_(ids)
        )
    ).all()
    grouped: dict[int, list[tuple[Authority, Outcome]]] = {i: [] for i in ids}
    for adviser_id, authority, outcome in rows:
        grouped[adviser_id].append((Authority(authority), Outcome(outcome)))
    return [
        AdviserLine(actor=a, is_consultant=a.kind == ActorKind.COMPANY, report=report(grouped[a.id or 0]))
        for a in actors
    ]
