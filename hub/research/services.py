"""Recording research results, the researcher's intent and its history, companies' interest and pairings.

Rules (digest R4.1-R4.7): only the researcher changes the intent, at any time and as often as they like; every
change is kept. Interest and pairing never look at the intent: a company may say it is interested and the
institution may pair whatever the researcher declared, and the researcher may end a pairing to take the result back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.directory.models import Actor, ActorKind, ActorMembership, MembershipStatus
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.referents.routing import route
from hub.research.models import (
    INTENT_LABELS,
    Intent,
    ResearchIntentChange,
    ResearchInterest,
    ResearchPairing,
    ResearchResult,
)
from hub.research.shapes import EndPairingInput, IntentInput, InterestInput, PairingInput, ResultInput
from hub.sectors.models import Sector

NOT_THE_RESEARCHER = (
    "Seul le chercheur ou la chercheuse qui a déclaré ce résultat peut changer son intention. "
    "Ni l’établissement, ni une entreprise, ni un administrateur ne peut le faire à sa place."
)
NOT_A_COMPANY = (
    "Seules les entreprises peuvent manifester leur intérêt. Rattachez votre compte à votre entreprise "
    "(annuaire, « Je représente cette structure ») puis recommencez."
)
NOT_THE_INSTITUTION = (
    "Seuls les membres de l’unité de recherche ou du titulaire de la propriété intellectuelle, "
    "ou un administrateur, peuvent apparier ce résultat avec une entreprise."
)


@dataclass(frozen=True)
class HistoryLine:
    """One line of a result's public history: who, when, what changed (from -> to)."""

    at: datetime
    who: str
    what: str
    before: str
    after: str
    note: str


def affiliations(session: Session, account_id: int) -> set[int]:
    """The actors a person belongs to: approved memberships and the organisation shown on their profile."""
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


def companies_of(session: Session, viewer: Viewer | None) -> list[Actor]:
    """The companies the viewer belongs to, alphabetical."""
    if viewer is None:
        return []
    ids = affiliations(session, viewer.account_id)
    if not ids:
        return []
    return list(
        session.exec(
            select(Actor)
            .where(col(Actor.id).in_(ids), col(Actor.kind) == ActorKind.COMPANY)
            .order_by(func.lower(Actor.name))
        ).all()
    )


def is_institution(session: Session, viewer: Viewer | None, result: ResearchResult) -> bool:
    """Whether the viewer speaks for the institution: a member of the research unit or of the IP holder, or admin."""
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    return bool(affiliations(session, viewer.account_id) & {result.research_unit_id, result.ip_holder_id})


def require_institution(session: Session, viewer: Viewer, result: ResearchResult) -> None:
    """PermissionDenied, with the reason, unless the viewer speaks for the institution."""
    if not is_institution(session, viewer, result):
        raise PermissionDenied(NOT_THE_INSTITUTION)


def actor_names(session: Session, actor_ids: Iterable[int]) -> dict[int, Actor]:
    """Actors by id, in one query."""
    ids = set(actor_ids)
    if not ids:
        return {}
    return {a.id: a for a in session.exec(select(Actor).where(col(Actor.id).in_(ids))).all() if a.id is not None}


def _actor(session: Session, actor_id: int, field: str, message: str) -> Actor:
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise InvalidInput({field: message})
    return actor


def find_actor(session: Session, text: str) -> Actor | None:
    """A directory actor by the address of its page, its slug or its exact name."""
    key = text.strip().rstrip("/").rsplit("/", 1)[-1][:120]
    if not key:
        return None
    return (
        session.exec(select(Actor).where(col(Actor.slug) == key)).first()
        or session.exec(
            select(Actor).where(func.lower(Actor.name) == text.strip().lower()[:200]).order_by(col(Actor.id))
        ).first()
    )


def create_result(session: Session, viewer: Viewer, data: ResultInput) -> ResearchResult:
    """Record a result; the person recording it is its researcher. Sent to the referent in charge for a read."""
    unit = _actor(session, data.research_unit_id, "research_unit_id", "Cette unité n’existe pas dans l’annuaire.")
    errors: dict[str, str] = {}
    if unit.kind != ActorKind.RESEARCH_UNIT:
        errors["research_unit_id"] = f"« {unit.name[:80]} » n’est pas une unité de recherche de l’annuaire."
    if session.get(Actor, data.ip_holder_id) is None:
        errors["ip_holder_id"] = "Ce titulaire n’existe pas dans l’annuaire."
    known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
    if any(code not in known for code in data.sectors):
        errors["sectors"] = "Choisissez des secteurs dans la liste."
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    result = ResearchResult(
        title=data.title,
        summary=data.summary,
        research_unit_id=data.research_unit_id,
        ip_holder_id=data.ip_holder_id,
        grant_reference=data.grant_reference,
        sectors=list(data.sectors),
        researcher_id=viewer.account_id,
        intent=data.intent,
        created_at=now,
        updated_at=now,
    )
    session.add(result)
    session.flush()
    assert result.id is not None
    session.add(
        ResearchIntentChange(
            result_id=result.id, changed_by_id=viewer.account_id, to_intent=data.intent, changed_at=now
        )
    )
    route(
        session,
        kind="research_result",
        subject_type="research_result",
        subject_id=result.id,
        title=result.title,
        url=f"/valorisation/{result.id}",
        sector_codes=result.sectors,
        territory_id=unit.departement_id or unit.region_id,
    )
    session.flush()
    return result


def list_results(session: Session) -> Sequence[ResearchResult]:
    """Every recorded result, newest first (the intent is shown, never used to filter)."""
    return session.exec(select(ResearchResult).order_by(col(ResearchResult.created_at).desc())).all()


def get_result(session: Session, result_id: int) -> ResearchResult:
    """The result with this id, or NotFound."""
    result = session.get(ResearchResult, result_id)
    if result is None:
        raise NotFound("Ce résultat de recherche n’existe pas.")
    return result


def change_intent(session: Session, viewer: Viewer, result: ResearchResult, data: IntentInput) -> ResearchIntentChange:
    """The researcher changes their mind (any intent to any other, any number of times); the change is kept."""
    if viewer.account_id != result.researcher_id:
        raise PermissionDenied(NOT_THE_RESEARCHER)
    if data.intent == result.intent:
        raise InvalidInput({"intent": "C’est déjà l’intention déclarée : choisissez-en une autre."})
    now = utcnow()
    change = ResearchIntentChange(
        result_id=result.id or 0,
        changed_by_id=viewer.account_id,
        from_intent=result.intent,
        to_intent=data.intent,
        note=data.note,
        changed_at=now,
    )
    result.intent = data.intent
    result.updated_at = now
    session.add(result)
    session.add(change)
    session.flush()
    return change


def express_interest(session: Session, viewer: Viewer, result: ResearchResult, data: InterestInput) -> ResearchInterest:
    """A company says it is interested (whatever the researcher's intent)."""
    companies = companies_of(session, viewer)
    if not companies:
        raise PermissionDenied(NOT_A_COMPANY)
    if data.company_id is None:
        if len(companies) > 1:
            raise InvalidInput({"company_id": "Choisissez au nom de quelle entreprise vous écrivez."})
        company = companies[0]
    else:
        chosen = [c for c in companies if c.id == data.company_id]
        if not chosen:
            raise InvalidInput({"company_id": "Choisissez une entreprise que vous représentez."})
        company = chosen[0]
    assert company.id is not None
    assert result.id is not None
    existing = session.exec(
        select(ResearchInterest.id).where(
            col(ResearchInterest.result_id) == result.id, col(ResearchInterest.company_id) == company.id
        )
    ).first()
    if existing is not None:
        raise Conflict(f"{company.name} a déjà manifesté son intérêt pour ce résultat.")
    interest = ResearchInterest(
        result_id=result.id, company_id=company.id, account_id=viewer.account_id, message=data.message
    )
    session.add(interest)
    session.flush()
    return interest


def active_pairing(session: Session, result_id: int) -> ResearchPairing | None:
    """The pairing in force, if any."""
    return session.exec(
        select(ResearchPairing).where(
            col(ResearchPairing.result_id) == result_id, col(ResearchPairing.ended_at).is_(None)
        )
    ).first()


def pair(session: Session, viewer: Viewer, result: ResearchResult, data: PairingInput) -> ResearchPairing:
    """The institution pairs the result with a company (whatever the researcher's intent)."""
    require_institution(session, viewer, result)
    company = _actor(session, data.company_id, "company_id", "Cette entreprise n’existe pas dans l’annuaire.")
    if company.kind != ActorKind.COMPANY:
        raise InvalidInput({"company_id": f"« {company.name[:80]} » n’est pas une entreprise de l’annuaire."})
    assert result.id is not None
    assert company.id is not None
    current = active_pairing(session, result.id)
    if current is not None:
        name = session.get(Actor, current.company_id)
        raise Conflict(
            f"Ce résultat est déjà apparié avec {name.name if name else 'une entreprise'} : "
            "mettez d’abord fin à cet appariement."
        )
    pairing = ResearchPairing(
        result_id=result.id, company_id=company.id, paired_by_id=viewer.account_id, note=data.note
    )
    session.add(pairing)
    session.flush()
    return pairing


def end_pairing(
    session: Session, viewer: Viewer, result: ResearchResult, pairing_id: int, data: EndPairingInput
) -> ResearchPairing:
    """The researcher (taking the result back) or the institution ends a pairing, with a reason."""
    pairing = session.get(ResearchPairing, pairing_id)
    if pairing is None or pairing.result_id != result.id:
        raise NotFound("Cet appariement n’existe pas.")
    if viewer.account_id != result.researcher_id and not is_institution(session, viewer, result):
        raise PermissionDenied(
            "Seuls le chercheur ou la chercheuse et l’établissement peuvent mettre fin à cet appariement."
        )
    if pairing.ended_at is not None:
        raise Conflict("Cet appariement a déjà pris fin.")
    pairing.ended_at = utcnow()
    pairing.ended_by_id = viewer.account_id
    pairing.end_reason = data.reason
    session.add(pairing)
    session.flush()
    return pairing


def interests_of(session: Session, result_id: int) -> Sequence[tuple[ResearchInterest, Actor]]:
    """The companies interested in a result, oldest first."""
    return session.exec(
        select(ResearchInterest, Actor)
        .join(Actor, col(Actor.id) == col(ResearchInterest.company_id))
        .where(col(ResearchInterest.result_id) == result_id)
        .order_by(col(ResearchInterest.created_at), col(ResearchInterest.id))
    ).all()


def pairings_of(session: Session, result_id: int) -> Sequence[tuple[ResearchPairing, Actor]]:
    """Every pairing of a result, the newest first."""
    return session.exec(
        select(ResearchPairing, Actor)
        .join(Actor, col(Actor.id) == col(ResearchPairing.company_id))
        .where(col(ResearchPairing.result_id) == result_id)
        .order_by(col(ResearchPairing.paired_at).desc(), col(ResearchPairing.id).desc())
    ).all()


def names_of(session: Session, account_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of accounts, in one query."""
    ids = {i for i in account_ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    return dict(rows)


def history(session: Session, result: ResearchResult) -> list[HistoryLine]:
    """The public history of a result: every intent change and every pairing begun or ended, oldest first."""
    assert result.id is not None
    changes = session.exec(
        select(ResearchIntentChange)
        .where(col(ResearchIntentChange.result_id) == result.id)
        .order_by(col(ResearchIntentChange.changed_at), col(ResearchIntentChange.id))
    ).all()
    pairings = pairings_of(session, result.id)
    names = names_of(
        session,
        [c.changed_by_id for c in changes]
        + [p.paired_by_id for p, _ in pairings]
        + [p.ended_by_id for p, _ in pairings],
    )
    lines = [
        HistoryLine(
            at=c.changed_at,
            who=names.get(c.changed_by_id, "—"),
            what="Intention déclarée" if c.from_intent is None else "Changement d’intention",
            before=INTENT_LABELS[Intent(c.from_intent)] if c.from_intent else "—",
            after=INTENT_LABELS[Intent(c.to_intent)],
            note=c.note,
        )
        for c in changes
    ]
    for p, company in pairings:
        lines.append(HistoryLine(p.paired_at, names.get(p.paired_by_id, "—"), "Appariement", "—", company.name, p.note))
        if p.ended_at is not None:
            lines.append(
                HistoryLine(
                    p.ended_at,
                    names.get(p.ended_by_id or 0, "—"),
                    "Fin de l’appariement",
                    company.name,
                    "—",
                    p.end_reason,
                )
            )
    return sorted(lines, key=lambda line: line.at)
