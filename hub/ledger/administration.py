"""Services around the ledger: conventions and their approvers, declarations, stake rules, public-name choice,
and the idempotency keys of forms that do not post transfers (they share the ledger's key table)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from hub.accounts.models import Account
from hub.accounts.viewer import Viewer
from hub.changelog.services import record_change
from hub.db import utcnow
from hub.directory.models import Actor
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.ledger import services
from hub.ledger.book import payload_digest
from hub.ledger.models import (
    Convention,
    ConventionApprover,
    ConventionDepositor,
    DeclarationOfInterests,
    LedgerHolder,
    LedgerRequest,
    StakeRule,
)
from hub.ledger.rules import Refusal, Rule
from hub.ledger.shapes import ConventionInput, ConventionTerms, DeclarationInput
from hub.projects.models import Project

MAX_DECLARATION_YEARS = 3


def claim_key(session: Session, key: str, operation: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Claim a form's idempotency key in this transaction: None when new, else the first outcome (same payload)."""
    if not key.strip() or len(key) > 100:
        raise Refusal(Rule.KEY_MISSING)
    digest = payload_digest(operation, payload)
    existing = session.get(LedgerRequest, key)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(LedgerRequest(key=key, operation=operation, payload_hash=digest))
        except IntegrityError:  # the same form sent twice at once: the other request holds the key
            existing = session.exec(
                select(LedgerRequest).where(col(LedgerRequest.key) == key).execution_options(populate_existing=True)
            ).one()
        else:
            return None
    if existing.payload_hash != digest:
        raise Refusal(Rule.KEY_REUSED)
    return dict((existing.outcome or {}).get("result", {}))


def keep_outcome(session: Session, key: str, result: dict[str, Any]) -> None:
    """Record what a claimed key did, for the retry to replay."""
    request = session.get(LedgerRequest, key)
    assert request is not None
    request.outcome = {"result": result}
    session.add(request)


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Seuls les administrateurs gèrent les conventions de la banque d’heures.")


def _approver_ids(session: Session, emails: list[str], field: str = "approver_emails") -> list[int]:
    rows = dict(session.exec(select(Account.email, Account.id).where(col(Account.email).in_(emails))).all())
    missing = [email for email in emails if email not in rows]
    if missing:
        raise InvalidInput(
            {field: f"Aucun compte n’a l’adresse {', '.join(missing[:3])} : la personne doit s’inscrire."}
        )
    return sorted(int(rows[email] or 0) for email in emails)


def set_depositors(session: Session, convention_id: int, emails: list[str], by: Viewer) -> list[int]:
    """An administrator names who may deposit under a convention (nobody named: every employee of the employer)."""
    _require_admin(by)
    ids = _approver_ids(session, emails, "depositor_emails")
    current = set(
        session.exec(
            select(ConventionDepositor.account_id).where(col(ConventionDepositor.convention_id) == convention_id)
        ).all()
    )
    if current != set(ids):
        session.exec(delete(ConventionDepositor).where(col(ConventionDepositor.convention_id) == convention_id))
        for account_id in ids:
            session.add(ConventionDepositor(convention_id=convention_id, account_id=account_id))
        session.flush()
        record_change(
            session,
            object_type="convention",
            object_id=convention_id,
            action="depositors",
            account_id=by.account_id,
            changes={"depositors": [len(current), len(ids)]},
        )
    return ids


def get_convention(session: Session, convention_id: int) -> Convention:
    """The convention with this id, or NotFound."""
    convention = session.get(Convention, convention_id)
    if convention is None:
        raise NotFound("Cette convention n’existe pas.")
    return convention


def open_convention(session: Session, data: ConventionInput, by: Viewer) -> Convention:
    """An administrator records a convention with an employer of the directory and its approvers."""
    _require_admin(by)
    employer = session.exec(select(Actor).where(col(Actor.slug) == data.employer_slug.strip().lower())).first()
    if employer is None or employer.id is None:
        raise InvalidInput(
            {"employer_slug": "Aucun acteur de l’annuaire n’a cette adresse : copiez-la depuis sa fiche."}
        )
    approver_ids = _approver_ids(session, data.approver_emails)
    _approver_ids(session, data.depositor_emails, "depositor_emails")  # all checked before anything is written
    convention = services.create_convention(
        session,
        title=data.title,
        employer_id=employer.id,
        cap_minutes_per_period=data.cap_hours * 60,
        approver_ids=approver_ids,
        period_days=data.period_days,
        deposit_expiry_days=data.deposit_expiry_days,
    )
    assert convention.id is not None
    set_depositors(session, convention.id, data.depositor_emails, by)
    record_change(
        session,
        object_type="convention",
        object_id=convention.id,
        action="create",
        account_id=by.account_id,
        changes={"title": data.title, "employer_id": employer.id, "approvers": approver_ids},
    )
    return convention


def change_terms(session: Session, convention_id: int, data: ConventionTerms, by: Viewer) -> Convention:
    """An administrator changes a convention's cap, period, expiry and approvers (earlier deposits stay)."""
    _require_admin(by)
    convention = get_convention(session, convention_id)
    before = {
        "cap_minutes_per_period": convention.cap_minutes_per_period,
        "period_days": convention.period_days,
        "deposit_expiry_days": convention.deposit_expiry_days,
    }
    convention.cap_minutes_per_period = data.cap_hours * 60
    convention.period_days = data.period_days
    convention.deposit_expiry_days = data.deposit_expiry_days
    session.add(convention)
    set_approvers(session, convention_id, data.approver_emails, by)
    set_depositors(session, convention_id, data.depositor_emails, by)
    after = {k: getattr(convention, k) for k in before}
    record_change(
        session, object_type="convention", object_id=convention_id, action="update", account_id=by.account_id,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )  # fmt: skip
    return convention


def set_approvers(session: Session, convention_id: int, emails: list[str], by: Viewer) -> list[int]:
    """An administrator replaces the list of a convention's approvers; returns their account ids."""
    _require_admin(by)
    get_convention(session, convention_id)
    ids = _approver_ids(session, emails)
    current = set(
        session.exec(
            select(ConventionApprover.account_id).where(col(ConventionApprover.convention_id) == convention_id)
        ).all()
    )
    if current != set(ids):
        session.exec(delete(ConventionApprover).where(col(ConventionApprover.convention_id) == convention_id))
        for account_id in ids:
            session.add(ConventionApprover(convention_id=convention_id, account_id=account_id))
        session.flush()
        record_change(
            session,
            object_type="convention",
            object_id=convention_id,
            action="approvers",
            account_id=by.account_id,
            changes={"approvers": [sorted(current), ids]},
        )
    return ids


def declare(
    session: Session, viewer: Viewer, data: DeclarationInput, today: datetime | None = None
) -> DeclarationOfInterests:
    """A person publishes their declaration of interests, current until the end of the chosen day (UTC)."""
    now = today or utcnow()
    if data.valid_until <= now.date():
        raise InvalidInput({"valid_until": "Choisissez une date à venir."})
    if data.valid_until > (now + timedelta(days=365 * MAX_DECLARATION_YEARS)).date():
        raise InvalidInput(
            {
                "valid_until": f"Une déclaration vaut au plus {MAX_DECLARATION_YEARS} ans : choisissez une date plus proche."
            }
        )
    until = datetime.combine(data.valid_until, time(23, 59, 59), tzinfo=UTC)
    return services.declare_interests(session, viewer.account_id, data.text, until)


def publish_rule(session: Session, viewer: Viewer, project: Project, units_per_hour: int) -> StakeRule:
    """The project lead (or an administrator) publishes the project's conversion rule, once: it is fixed."""
    assert project.id is not None
    if project.created_by_id != viewer.account_id and not viewer.is_admin:
        raise PermissionDenied("Seul le pilote du projet publie sa règle d’intéressement.")
    if session.get(StakeRule, project.id) is not None:
        raise Conflict("La règle d’intéressement de ce projet est déjà publiée : elle ne change plus.")
    rule = services.publish_stake_rule(session, project.id, units_per_hour)
    record_change(
        session,
        object_type="project",
        object_id=project.id,
        action="stake_rule",
        account_id=viewer.account_id,
        changes={"units_per_hour": units_per_hour},
    )
    return rule


def my_holder(session: Session, account_id: int) -> LedgerHolder:
    """The ledger holder of an account (created with a fresh pseudonym at first use)."""
    pseudonym = services.holder_for(session, account_id)
    holder = session.get(LedgerHolder, pseudonym)
    assert holder is not None
    return holder


def choose_public_name(session: Session, account_id: int, shows_name: bool) -> LedgerHolder:
    """A person chooses whether public registers show their name or their pseudonym."""
    holder = my_holder(session, account_id)
    holder.shows_name = shows_name
    session.add(holder)
    return holder
