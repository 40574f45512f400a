"""Services of the innovation-hours bank: conventions, declarations, deposits, uses, stakes, reversals, audit."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hub.accounts.models import AccountRole, Person, Role
from hub.db import Database, utcnow
from hub.directory.models import ActorMembership, MembershipStatus
from hub.ledger.balance import NotEnoughHours, allocate_oldest_first, stake_units, within_cap
from hub.ledger.book import ensure_account, journal, lock
from hub.ledger.models import (
    AccountKind,
    Convention,
    ConventionApprover,
    ConventionDepositor,
    DeclarationOfInterests,
    EntryPhase,
    LedgerAccount,
    LedgerHolder,
    LedgerTransfer,
    StakeRule,
    TransferKind,
    TransferStatus,
    Unit,
)
from hub.ledger.once import run_once
from hub.ledger.rules import Refusal, Rule
from hub.projects.models import Project

MAX_MINUTES = 10_000_000  # far above any cap: refuses absurd numbers before arithmetic


def create_convention(
    session: Session,
    *,
    title: str,
    employer_id: int,
    cap_minutes_per_period: int,
    approver_ids: list[int],
    period_days: int = 365,
    deposit_expiry_days: int = 30,
) -> Convention:
    """An administrator records a convention with an employer and its approvers."""
    convention = Convention(
        title=title,
        employer_id=employer_id,
        cap_minutes_per_period=cap_minutes_per_period,
        period_days=period_days,
        deposit_expiry_days=deposit_expiry_days,
    )
    session.add(convention)
    session.flush()
    assert convention.id is not None
    for account_id in approver_ids:
        session.add(ConventionApprover(convention_id=convention.id, account_id=account_id))
    session.flush()
    return convention


def declare_interests(session: Session, account_id: int, text: str, valid_until: datetime) -> DeclarationOfInterests:
    """A person publishes their declaration of interests, current until `valid_until`."""
    person = session.exec(select(Person).where(col(Person.account_id) == account_id)).one()
    assert person.id is not None
    declaration = DeclarationOfInterests(person_id=person.id, text=text, valid_until=valid_until)
    session.add(declaration)
    session.flush()
    return declaration


def publish_stake_rule(session: Session, project_id: int, units_per_hour: int) -> StakeRule:
    """A project publishes how many stake units one hour used earns (fixed from now on)."""
    if type(units_per_hour) is not int or units_per_hour <= 0:
        raise Refusal(Rule.AMOUNT_NOT_POSITIVE)
    rule = StakeRule(project_id=project_id, units_per_hour=units_per_hour)
    session.add(rule)
    session.flush()
    return rule


def holder_for(session: Session, account_id: int) -> str:
    """The pseudonym of an account holder in the ledger, created at first use."""
    found = session.exec(select(LedgerHolder.pseudonym).where(col(LedgerHolder.account_id) == account_id)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            holder = LedgerHolder(pseudonym=secrets.token_hex(8), account_id=account_id)
            session.add(holder)
    except IntegrityError:  # created meanwhile by a concurrent request of the same person
        statement = select(LedgerHolder.pseudonym).where(col(LedgerHolder.account_id) == account_id)
        return session.exec(statement).one()
    return holder.pseudonym


def request_deposit(
    database: Database, key: str, *, account_id: int, convention_id: int, minutes: int, project_id: int | None = None
) -> dict[str, Any]:
    """A professional offers `minutes` of working time to a convention's pool; pending until their employer accepts."""
    payload = {"account": account_id, "convention": convention_id, "minutes": minutes, "project": project_id}

    def action(session: Session) -> dict[str, Any]:
        _check_minutes(minutes)
        convention = _convention(session, convention_id)
        if not _employed_by(session, account_id, convention.employer_id):
            raise Refusal(Rule.NOT_ELIGIBLE)
        if not _listed_depositor(session, convention_id, account_id):
            raise Refusal(Rule.NOT_LISTED)
        _require_declaration(session, account_id)
        holder = holder_for(session, account_id)
        since = utcnow() - timedelta(days=convention.period_days)
        already = session.exec(
            select(func.coalesce(func.sum(LedgerTransfer.amount), 0)).where(
                col(LedgerTransfer.kind) == TransferKind.DEPOSIT,
                col(LedgerTransfer.convention_id) == convention_id,
                col(LedgerTransfer.holder) == holder,
                col(LedgerTransfer.status) != TransferStatus.VOIDED,
                col(LedgerTransfer.created_at) >= since,
            )
        ).one()
        if not within_cap(int(already), minutes, convention.cap_minutes_per_period):
            raise Refusal(Rule.CAP_EXCEEDED)
        source = ensure_account(session, f"pro:{holder}", AccountKind.PROFESSIONAL, Unit.MINUTE, is_source=True)
        pool = ensure_account(session, f"pool:{convention_id}", AccountKind.POOL, Unit.MINUTE)
        book = lock(session, [source, pool])
        transfer = _transfer(
            session, TransferKind.DEPOSIT, source, pool, minutes, Unit.MINUTE, holder, convention_id, project_id
        )
        transfer.expires_at = utcnow() + timedelta(days=convention.deposit_expiry_days)
        journal(book, transfer, EntryPhase.PENDING)
        return {"transfer_id": transfer.id, "link_id": transfer.link_id, "status": "pending"}

    return run_once(database, key, "deposit", payload, action)


def decide_deposit(database: Database, key: str, *, approver_id: int, transfer_id: int, accept: bool) -> dict[str, Any]:
    """The employer's approver accepts (posts) or refuses (voids) a pending deposit."""
    payload = {"approver": approver_id, "transfer": transfer_id, "accept": accept}

    def action(session: Session) -> dict[str, Any]:
        deposit = session.get(LedgerTransfer, transfer_id)
        if deposit is None or deposit.kind != TransferKind.DEPOSIT or deposit.convention_id is None:
            raise Refusal(Rule.NOT_FOUND)
        approvers = select(ConventionApprover).where(
            col(ConventionApprover.convention_id) == deposit.convention_id,
            col(ConventionApprover.account_id) == approver_id,
        )
        if session.exec(approvers).first() is None:
            raise Refusal(Rule.NOT_APPROVER)
        approver = holder_for(session, approver_id)
        if approver == deposit.holder:
            raise Refusal(Rule.SELF_APPROVAL)
        _require_declaration(session, approver_id)
        if accept and deposit.project_id is not None:
            _check_conflicts(session, approver_id, approver, deposit.project_id, waive_lead=False)
        return _decide(session, [deposit], approver, accept)

    return run_once(database, key, "decide_deposit", payload, action)


def request_use(
    database: Database, key: str, *, account_id: int, convention_id: int, project_id: int, minutes: int
) -> dict[str, Any]:
    """A colleague draws `minutes` from a pool for a project: linked pending uses (oldest deposits first) and stakes."""
    payload = {"account": account_id, "convention": convention_id, "project": project_id, "minutes": minutes}

    def action(session: Session) -> dict[str, Any]:
        _check_minutes(minutes)
        _convention(session, convention_id)
        if session.get(Project, project_id) is None:
            raise Refusal(Rule.NOT_FOUND)
        rule = session.get(StakeRule, project_id)
        if rule is None:
            raise Refusal(Rule.NO_STAKE_RULE)
        _require_declaration(session, account_id)
        drawer = holder_for(session, account_id)
        pool = ensure_account(session, f"pool:{convention_id}", AccountKind.POOL, Unit.MINUTE)
        target = ensure_account(session, f"project:{project_id}", AccountKind.PROJECT, Unit.MINUTE)
        issuer = ensure_account(
            session, f"stake-source:{project_id}", AccountKind.STAKE_SOURCE, Unit.STAKE_UNIT, is_source=True
        )
        book = lock(session, [pool, target, issuer])
        pool_account = book.accounts[pool]
        if pool_account.balance - pool_account.reserved < minutes:
            raise Refusal(Rule.POOL_INSUFFICIENT)
        try:
            allocation = allocate_oldest_first(_remaining_deposits(session, convention_id), minutes)
        except NotEnoughHours as exc:
            raise Refusal(Rule.POOL_INSUFFICIENT) from exc
        link_id = secrets.token_hex(16)
        units_by_holder: dict[str, int] = {}
        created: list[LedgerTransfer] = []
        for deposit_id, taken in allocation:
            deposit = session.get(LedgerTransfer, deposit_id)
            assert deposit is not None
            use = _transfer(
                session, TransferKind.USE, pool, target, taken, Unit.MINUTE, drawer, convention_id, project_id, link_id
            )
            use.source_deposit_id = deposit_id
            journal(book, use, EntryPhase.PENDING)
            created.append(use)
            units_by_holder[deposit.holder] = units_by_holder.get(deposit.holder, 0) + taken
        for holder in sorted(units_by_holder):
            units = stake_units(units_by_holder[holder], rule.units_per_hour)
            if units == 0:
                continue
            holding = ensure_account(session, f"stake:{project_id}:{holder}", AccountKind.STAKE, Unit.STAKE_UNIT)
            book.lock([holding])
            stake = _transfer(
                session,
                TransferKind.STAKE,
                issuer,
                holding,
                units,
                Unit.STAKE_UNIT,
                holder,
                convention_id,
                project_id,
                link_id,
            )
            journal(book, stake, EntryPhase.PENDING)
            created.append(stake)
        return {"link_id": link_id, "transfer_ids": [t.id for t in created], "status": "pending"}

    return run_once(database, key, "use", payload, action)


def decide_use(database: Database, key: str, *, approver_id: int, link_id: str, accept: bool) -> dict[str, Any]:
    """The project lead (or, when the lead is conflicted, an administrator) accepts or refuses a use and its stakes."""
    payload = {"approver": approver_id, "link": link_id, "accept": accept}

    def action(session: Session) -> dict[str, Any]:
        linked = list(
            session.exec(
                select(LedgerTransfer).where(col(LedgerTransfer.link_id) == link_id).order_by(col(LedgerTransfer.id))
            ).all()
        )
        uses = [transfer for transfer in linked if transfer.kind == TransferKind.USE]
        if not uses or uses[0].project_id is None:
            raise Refusal(Rule.NOT_FOUND)
        project = session.get(Project, uses[0].project_id)
        assert project is not None
        assert project.id is not None
        is_lead = project.created_by_id == approver_id
        if not is_lead and not _is_admin(session, approver_id):
            raise Refusal(Rule.NOT_APPROVER)
        approver = holder_for(session, approver_id)
        if approver == uses[0].holder:
            raise Refusal(Rule.SELF_APPROVAL)
        _require_declaration(session, approver_id)
        if accept:
            # The issue names the lead as the approver of uses, so leading the project is not held against them.
            _check_conflicts(session, approver_id, approver, project.id, waive_lead=is_lead)
        return _decide(session, linked, approver, accept)

    return run_once(database, key, "decide_use", payload, action)


def reverse_link(database: Database, key: str, *, admin_id: int, link_id: str) -> dict[str, Any]:
    """An administrator corrects posted transfers by new opposite transfers (nothing is edited or deleted)."""
    payload = {"admin": admin_id, "link": link_id}

    def action(session: Session) -> dict[str, Any]:
        if not _is_admin(session, admin_id):
            raise Refusal(Rule.NOT_APPROVER)
        linked = list(
            session.exec(
                select(LedgerTransfer).where(col(LedgerTransfer.link_id) == link_id).order_by(col(LedgerTransfer.id))
            ).all()
        )
        posted = [transfer for transfer in linked if transfer.status == TransferStatus.POSTED]
        if not posted:
            raise Refusal(Rule.NOT_FOUND)
        ids = [t.id for t in posted if t.id is not None]
        if session.exec(select(LedgerTransfer.id).where(col(LedgerTransfer.reverses_id).in_(ids))).first() is not None:
            raise Refusal(Rule.ALREADY_REVERSED)
        for transfer in posted:
            if transfer.kind == TransferKind.DEPOSIT and _consumed(session, transfer) > 0:
                raise Refusal(Rule.INSUFFICIENT_BALANCE)
        book = lock(session, [a for t in posted for a in (t.debit_account_id, t.credit_account_id)])
        actor = holder_for(session, admin_id)
        new_link = secrets.token_hex(16)
        created = []
        for transfer in posted:
            reversal = _transfer(
                session,
                TransferKind.REVERSAL,
                transfer.credit_account_id,
                transfer.debit_account_id,
                transfer.amount,
                transfer.unit,
                transfer.holder,
                transfer.convention_id,
                transfer.project_id,
                new_link,
                status=TransferStatus.POSTED,
            )
            reversal.reverses_id, reversal.decided_by = transfer.id, actor
            journal(book, reversal, EntryPhase.POST)
            created.append(reversal.id)
        return {"link_id": new_link, "transfer_ids": created, "status": "posted"}

    return run_once(database, key, "reverse", payload, action)


def expire_deposits(database: Database, now: datetime | None = None) -> int:
    """Void the pending deposits whose expiry date has passed; returns how many."""
    moment = now or utcnow()
    with database.transaction() as session:
        overdue = session.exec(
            select(LedgerTransfer)
            .where(
                col(LedgerTransfer.kind) == TransferKind.DEPOSIT,
                col(LedgerTransfer.status) == TransferStatus.PENDING,
                col(LedgerTransfer.expires_at) < moment,
            )
            .order_by(col(LedgerTransfer.id))
        ).all()
        if overdue:
            book = lock(session, [a for t in overdue for a in (t.debit_account_id, t.credit_account_id)])
            for transfer in overdue:
                journal(book, transfer, EntryPhase.VOID)
                transfer.status, transfer.decided_at = TransferStatus.VOIDED, moment
                session.add(transfer)
    return len(overdue)


def balance_of(session: Session, code: str) -> tuple[int, int]:
    """The stored (balance, reserved) of an account, (0, 0) when it does not exist yet."""
    account = session.exec(select(LedgerAccount).where(col(LedgerAccount.code) == code)).first()
    return (account.balance, account.reserved) if account else (0, 0)


def _decide(session: Session, linked: list[LedgerTransfer], approver: str, accept: bool) -> dict[str, Any]:
    if any(transfer.status != TransferStatus.PENDING for transfer in linked):
        raise Refusal(Rule.ALREADY_DECIDED)
    now = utcnow()
    if accept and any(t.expires_at is not None and t.expires_at < now for t in linked):
        raise Refusal(Rule.EXPIRED)
    book = lock(session, [a for t in linked for a in (t.debit_account_id, t.credit_account_id)])
    phase, status = (EntryPhase.POST, TransferStatus.POSTED) if accept else (EntryPhase.VOID, TransferStatus.VOIDED)
    for transfer in linked:
        journal(book, transfer, phase)
        transfer.status, transfer.decided_by, transfer.decided_at = status, approver, now
        session.add(transfer)
    return {"transfer_ids": [t.id for t in linked], "status": status.value}


def _transfer(
    session: Session,
    kind: TransferKind,
    debit: int,
    credit: int,
    amount: int,
    unit: Unit,
    holder: str,
    convention_id: int | None,
    project_id: int | None,
    link_id: str | None = None,
    status: TransferStatus = TransferStatus.PENDING,
) -> LedgerTransfer:
    transfer = LedgerTransfer(
        kind=kind,
        status=status,
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        unit=unit,
        link_id=link_id or secrets.token_hex(16),
        convention_id=convention_id,
        project_id=project_id,
        holder=holder,
    )
    session.add(transfer)
    session.flush()
    return transfer


def _check_minutes(minutes: object) -> None:
    if type(minutes) is not int:
        raise Refusal(Rule.AMOUNT_NOT_WHOLE)
    if minutes <= 0:
        raise Refusal(Rule.AMOUNT_NOT_POSITIVE)
    if minutes > MAX_MINUTES:
        raise Refusal(Rule.CAP_EXCEEDED)


def _convention(session: Session, convention_id: int) -> Convention:
    convention = session.get(Convention, convention_id)
    if convention is None:
        raise Refusal(Rule.NOT_FOUND)
    return convention


def _employed_by(session: Session, account_id: int, actor_id: int | None) -> bool:
    if actor_id is None:
        return False
    statement = select(ActorMembership.id).where(
        col(ActorMembership.account_id) == account_id,
        col(ActorMembership.actor_id) == actor_id,
        col(ActorMembership.status) == MembershipStatus.APPROVED,
    )
    return session.exec(statement).first() is not None


def _listed_depositor(session: Session, convention_id: int, account_id: int) -> bool:
    """Whether the convention lets this account deposit: it names nobody (all employees may) or names them."""
    named = session.exec(
        select(ConventionDepositor.account_id).where(col(ConventionDepositor.convention_id) == convention_id)
    ).all()
    return not named or account_id in named


def _is_admin(session: Session, account_id: int) -> bool:
    statement = select(AccountRole).where(
        col(AccountRole.account_id) == account_id, col(AccountRole.role) == Role.ADMIN
    )
    return session.exec(statement).first() is not None


def _require_declaration(session: Session, account_id: int) -> None:
    statement = (
        select(DeclarationOfInterests.id)
        .join(Person, col(Person.id) == col(DeclarationOfInterests.person_id))
        .where(col(Person.account_id) == account_id, col(DeclarationOfInterests.valid_until) > utcnow())
    )
    if session.exec(statement).first() is None:
        raise Refusal(Rule.NO_DECLARATION)


def _check_conflicts(session: Session, approver_id: int, approver: str, project_id: int, *, waive_lead: bool) -> None:
    holding = session.exec(
        select(LedgerAccount).where(col(LedgerAccount.code) == f"stake:{project_id}:{approver}")
    ).first()
    if holding is not None and holding.balance > 0:
        raise Refusal(Rule.CONFLICT_STAKE)
    project = session.get(Project, project_id)
    assert project is not None
    if not waive_lead and project.created_by_id == approver_id:
        raise Refusal(Rule.CONFLICT_LEAD)
    if _employed_by(session, approver_id, project.carrier_id):
        raise Refusal(Rule.CONFLICT_EMPLOYER)


def _consumed(session: Session, deposit: LedgerTransfer) -> int:
    """Minutes of a deposit taken by uses that are pending or posted and not reversed."""
    reversed_ids = select(LedgerTransfer.reverses_id).where(col(LedgerTransfer.reverses_id).is_not(None))
    total = session.exec(
        select(func.coalesce(func.sum(LedgerTransfer.amount), 0)).where(
            col(LedgerTransfer.source_deposit_id) == deposit.id,
            col(LedgerTransfer.status) != TransferStatus.VOIDED,
            col(LedgerTransfer.id).not_in(reversed_ids),
        )
    ).one()
    return int(total)


def _remaining_deposits(session: Session, convention_id: int) -> list[tuple[int, int]]:
    """(deposit id, minutes not yet consumed) of the pool's posted, unreversed deposits, oldest first."""
    reversed_ids = select(LedgerTransfer.reverses_id).where(
        col(LedgerTransfer.reverses_id).is_not(None), col(LedgerTransfer.convention_id) == convention_id
    )
    deposits = session.exec(
        select(LedgerTransfer.id, LedgerTransfer.amount)
        .where(
            col(LedgerTransfer.kind) == TransferKind.DEPOSIT,
            col(LedgerTransfer.convention_id) == convention_id,
            col(LedgerTransfer.status) == TransferStatus.POSTED,
            col(LedgerTransfer.id).not_in(reversed_ids),
        )
        .order_by(col(LedgerTransfer.id))
    ).all()
    consumed = dict(
        session.exec(
            select(LedgerTransfer.source_deposit_id, func.sum(LedgerTransfer.amount))
            .where(
                col(LedgerTransfer.convention_id) == convention_id,
                col(LedgerTransfer.source_deposit_id).is_not(None),
                col(LedgerTransfer.status) != TransferStatus.VOIDED,
                col(LedgerTransfer.id).not_in(reversed_ids),
            )
            .group_by(col(LedgerTransfer.source_deposit_id))
        ).all()
    )
    return [(d, amount - int(consumed.get(d, 0))) for d, amount in deposits if d is not None]
