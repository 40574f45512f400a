"""What the bank shows: public registers per project and per convention, statements, approval inboxes (read only).

Every figure a page shows and its CSV export come from the same rows built here, so they cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Person
from hub.directory.models import Actor
from hub.ledger.models import (
    Convention,
    ConventionApprover,
    ConventionDepositor,
    LedgerAccount,
    LedgerHolder,
    LedgerTransfer,
    StakeRule,
    TransferKind,
    TransferStatus,
)
from hub.projects.models import Project

TOMBSTONE = "Personne supprimée"
STATUS_LABELS = {
    TransferStatus.PENDING: "En attente de validation",
    TransferStatus.POSTED: "Validé",
    TransferStatus.VOIDED: "Refusé ou expiré",
}
REVERSED_LABEL = "Annulé par contre-passation"


def duration(minutes: int) -> str:
    """Minutes as a French duration: « 1 h 30 », « 45 min », « 2 h »."""
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours == 0:
        return f"{sign}{rest} min"
    return f"{sign}{hours} h {rest:02d}" if rest else f"{sign}{hours} h"


def day(value: datetime | None) -> str:
    """A date as dd/mm/yyyy (UTC), or empty."""
    return value.strftime("%d/%m/%Y") if value else ""


def share(units: int, total: int) -> str:
    """A stake share in per cent, one decimal, French comma."""
    if total <= 0:
        return "0,0 %"
    tenths = (units * 1000 + total // 2) // total
    return f"{tenths // 10},{tenths % 10} %"


def public_names(session: Session, pseudonyms: Iterable[str]) -> dict[str, str]:
    """How each pseudonym appears in public: the name if its holder chose so, a tombstone once erased."""
    wanted = sorted({p for p in pseudonyms if p})
    if not wanted:
        return {}
    rows = session.exec(
        select(LedgerHolder, Person.display_name)
        .join(Person, col(Person.account_id) == col(LedgerHolder.account_id), isouter=True)
        .where(col(LedgerHolder.pseudonym).in_(wanted))
    ).all()
    names = {p: f"Pseudonyme {p}" for p in wanted}
    for holder, name in rows:
        if holder.account_id is None:
            names[holder.pseudonym] = f"{TOMBSTONE} ({holder.pseudonym})"
        elif holder.shows_name and name:
            names[holder.pseudonym] = name
    return names


def reversed_ids_where(session: Session, where: Sequence[ColumnElement[bool]]) -> set[int]:
    """Ids of the transfers that a reversal (matching `where`) cancelled."""
    statement = select(LedgerTransfer.reverses_id).where(col(LedgerTransfer.reverses_id).is_not(None), *where)
    return {i for i in session.exec(statement).all() if i is not None}


def status_label(transfer: LedgerTransfer, reversed_ids: set[int]) -> str:
    """A transfer's status in plain French."""
    if transfer.id in reversed_ids:
        return REVERSED_LABEL
    return STATUS_LABELS[TransferStatus(transfer.status)]


def _person_names(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    rows = session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    return dict(rows)


# -- project register -------------------------------------------------------------------------------------------

USE_HEADER = [
    "Date de la demande",
    "Date de la décision",
    "Heures versées par",
    "Heures utilisées par",
    "Minutes",
    "Durée",
    "Statut",
    "Validé par",
]
STAKE_HEADER = ["Détenteur", "Unités d’intéressement", "Part"]


@dataclass
class ProjectRegister:
    """A project's public register: its rule, hours used and pending, uses, stake table, approvers."""

    project: Project
    rule: StakeRule | None
    used_minutes: int
    pending_minutes: int
    uses: list[list[str]] = field(default_factory=list)
    stakes: list[list[str]] = field(default_factory=list)
    total_units: int = 0
    approvers: list[str] = field(default_factory=list)


def project_register(session: Session, project: Project) -> ProjectRegister:
    """The public register of one project (uses oldest first; stakes largest first)."""
    assert project.id is not None
    uses = session.exec(
        select(LedgerTransfer)
        .where(col(LedgerTransfer.project_id) == project.id, col(LedgerTransfer.kind) == TransferKind.USE)
        .order_by(col(LedgerTransfer.id))
    ).all()
    reversed_ids = reversed_ids_where(session, [col(LedgerTransfer.project_id) == project.id])
    sources = {
        t.id: t.holder
        for t in session.exec(
            select(LedgerTransfer).where(
                col(LedgerTransfer.id).in_([u.source_deposit_id for u in uses if u.source_deposit_id])
            )
        ).all()
    }
    holdings = session.exec(
        select(LedgerAccount).where(
            col(LedgerAccount.code).startswith(f"stake:{project.id}:"), col(LedgerAccount.balance) > 0
        )
    ).all()
    pseudonyms = [u.holder for u in uses] + [u.decided_by for u in uses] + list(sources.values())
    pseudonyms += [a.code.rsplit(":", 1)[1] for a in holdings]
    names = public_names(session, pseudonyms)
    register = ProjectRegister(
        project=project,
        rule=session.get(StakeRule, project.id),
        used_minutes=sum(u.amount for u in uses if u.status == TransferStatus.POSTED and u.id not in reversed_ids),
        pending_minutes=sum(u.amount for u in uses if u.status == TransferStatus.PENDING),
    )
    for use in uses:
        register.uses.append(
            [
                day(use.created_at),
                day(use.decided_at),
                names.get(sources.get(use.source_deposit_id or 0, ""), ""),
                names.get(use.holder, ""),
                str(use.amount),
                duration(use.amount),
                status_label(use, reversed_ids),
                names.get(use.decided_by, ""),
            ]
        )
    register.total_units = sum(a.balance for a in holdings)
    ranked = sorted(holdings, key=lambda a: (-a.balance, names.get(a.code.rsplit(":", 1)[1], "")))
    for holding in ranked:
        name = names.get(holding.code.rsplit(":", 1)[1], "")
        register.stakes.append([name, str(holding.balance), share(holding.balance, register.total_units)])
    register.approvers = sorted({names[u.decided_by] for u in uses if u.decided_by and u.decided_by in names})
    return register


# -- convention register ----------------------------------------------------------------------------------------

DEPOSIT_HEADER = [
    "Date du versement",
    "Déposant",
    "Minutes",
    "Durée",
    "Statut",
    "Date de la décision",
    "Décidé par",
    "Minutes utilisées",
]


@dataclass
class ConventionRegister:
    """A convention's public register: hours deposited, used, pending, available; its deposits and approvers."""

    convention: Convention
    employer: Actor | None
    deposited_minutes: int
    used_minutes: int
    pending_minutes: int
    available_minutes: int
    deposits: list[list[str]] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    named_depositors: int = 0


def convention_totals(session: Session, convention_id: int) -> tuple[int, int, int]:
    """(minutes deposited and accepted, minutes used by validated uses, minutes of deposits awaiting a decision)."""
    reversed_ids = reversed_ids_where(session, [col(LedgerTransfer.convention_id) == convention_id])
    rows = session.exec(
        select(LedgerTransfer.id, LedgerTransfer.kind, LedgerTransfer.status, LedgerTransfer.amount).where(
            col(LedgerTransfer.convention_id) == convention_id,
            col(LedgerTransfer.kind).in_([TransferKind.DEPOSIT, TransferKind.USE]),
        )
    ).all()
    deposited = used = pending = 0
    for transfer_id, kind, status, amount in rows:
        if status == TransferStatus.PENDING and kind == TransferKind.DEPOSIT:
            pending += amount
        if status != TransferStatus.POSTED or transfer_id in reversed_ids:
            continue
        if kind == TransferKind.DEPOSIT:
            deposited += amount
        else:
            used += amount
    return deposited, used, pending


def convention_register(session: Session, convention: Convention) -> ConventionRegister:
    """The public register of one convention (deposits oldest first)."""
    assert convention.id is not None
    deposited, used, pending = convention_totals(session, convention.id)
    pool = session.exec(select(LedgerAccount).where(col(LedgerAccount.code) == f"pool:{convention.id}")).first()
    register = ConventionRegister(
        convention=convention,
        employer=session.get(Actor, convention.employer_id),
        deposited_minutes=deposited,
        used_minutes=used,
        pending_minutes=pending,
        available_minutes=(pool.balance - pool.reserved) if pool else 0,
    )
    deposits = session.exec(
        select(LedgerTransfer)
        .where(col(LedgerTransfer.convention_id) == convention.id, col(LedgerTransfer.kind) == TransferKind.DEPOSIT)
        .order_by(col(LedgerTransfer.id))
    ).all()
    reversed_ids = reversed_ids_where(session, [col(LedgerTransfer.convention_id) == convention.id])
    consumed = consumed_by_posted_uses(session, [d.id for d in deposits if d.id is not None], reversed_ids)
    names = public_names(session, [d.holder for d in deposits] + [d.decided_by for d in deposits])
    for deposit in deposits:
        register.deposits.append(
            [
                day(deposit.created_at),
                names.get(deposit.holder, ""),
                str(deposit.amount),
                duration(deposit.amount),
                status_label(deposit, reversed_ids),
                day(deposit.decided_at),
                names.get(deposit.decided_by, ""),
                str(consumed.get(deposit.id or 0, 0)),
            ]
        )
    register.approvers = approver_names(session, convention.id)
    register.named_depositors = len(depositor_emails(session, convention.id))
    return register


def approver_names(session: Session, convention_id: int) -> list[str]:
    """The names of a convention's approvers (a tombstone for an erased person)."""
    ids = session.exec(
        select(ConventionApprover.account_id).where(col(ConventionApprover.convention_id) == convention_id)
    ).all()
    return sorted(_person_names(session, ids).values())


def approver_emails(session: Session, convention_id: int) -> list[str]:
    """The e-mail addresses of a convention's approvers (for administrators)."""
    statement = (
        select(Account.email)
        .join(ConventionApprover, col(ConventionApprover.account_id) == col(Account.id))
        .where(col(ConventionApprover.convention_id) == convention_id)
        .order_by(col(Account.email))
    )
    return list(session.exec(statement).all())


def depositor_emails(session: Session, convention_id: int) -> list[str]:
    """The e-mail addresses of the people a convention names as depositors (empty: every employee may)."""
    statement = (
        select(Account.email)
        .join(ConventionDepositor, col(ConventionDepositor.account_id) == col(Account.id))
        .where(col(ConventionDepositor.convention_id) == convention_id)
        .order_by(col(Account.email))
    )
    return list(session.exec(statement).all())


def consumed_by_posted_uses(session: Session, deposit_ids: list[int], reversed_ids: set[int]) -> dict[int, int]:
    """Minutes of each deposit taken by validated, unreversed uses."""
    if not deposit_ids:
        return {}
    rows = session.exec(
        select(LedgerTransfer.id, LedgerTransfer.source_deposit_id, LedgerTransfer.amount).where(
            col(LedgerTransfer.source_deposit_id).in_(deposit_ids),
            col(LedgerTransfer.status) == TransferStatus.POSTED,
        )
    ).all()
    consumed: dict[int, int] = defaultdict(int)
    for use_id, deposit_id, amount in rows:
        if use_id not in reversed_ids and deposit_id is not None:
            consumed[deposit_id] += amount
    return dict(consumed)


@dataclass(frozen=True)
class ConventionSummary:
    """One line of the list of conventions."""

    convention: Convention
    employer_name: str
    deposited_minutes: int
    used_minutes: int
    pending_minutes: int


def list_conventions(session: Session) -> list[ConventionSummary]:
    """Every convention with its employer and figures, newest first."""
    conventions = session.exec(select(Convention).order_by(col(Convention.id).desc())).all()
    employers = dict(
        session.exec(select(Actor.id, Actor.name).where(col(Actor.id).in_([c.employer_id for c in conventions]))).all()
    )
    reversed_ids = select(LedgerTransfer.reverses_id).where(col(LedgerTransfer.reverses_id).is_not(None))
    sums = session.exec(
        select(
            LedgerTransfer.convention_id, LedgerTransfer.kind, LedgerTransfer.status, func.sum(LedgerTransfer.amount)
        )
        .where(
            col(LedgerTransfer.kind).in_([TransferKind.DEPOSIT, TransferKind.USE]),
            col(LedgerTransfer.status) != TransferStatus.VOIDED,
            col(LedgerTransfer.id).not_in(reversed_ids),
        )
        .group_by(col(LedgerTransfer.convention_id), col(LedgerTransfer.kind), col(LedgerTransfer.status))
    ).all()  # one query for every convention (no query per line)
    totals: dict[tuple[int | None, str, str], int] = {(c, str(k), str(s)): int(n) for c, k, s, n in sums}
    return [
        ConventionSummary(
            convention,
            employers.get(convention.employer_id, ""),
            totals.get((convention.id, TransferKind.DEPOSIT, TransferStatus.POSTED), 0),
            totals.get((convention.id, TransferKind.USE, TransferStatus.POSTED), 0),
            totals.get((convention.id, TransferKind.DEPOSIT, TransferStatus.PENDING), 0),
        )
        for convention in conventions
    ]


def projects_with_rules(session: Session) -> list[tuple[Project, StakeRule]]:
    """Projects that published a stake rule (they may receive hours), by title."""
    rows = session.exec(
        select(Project, StakeRule)
        .join(StakeRule, col(StakeRule.project_id) == col(Project.id))
        .order_by(col(Project.title))
    ).all()
    return [(project, rule) for project, rule in rows]


def project_titles(session: Session, project_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    """(title, slug) of each project id."""
    ids = sorted({i for i in project_ids if i})
    if not ids:
        return {}
    rows = session.exec(select(Project.id, Project.title, Project.slug).where(col(Project.id).in_(ids))).all()
    return {pid: (title, slug) for pid, title, slug in rows if pid is not None}
