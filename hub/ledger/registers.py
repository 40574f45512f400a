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
    DeclarationOfInterests,
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


def _reversed_ids(session: Session, where: Sequence[ColumnElement[bool]]) -> set[int]:
    statement = select(LedgerTransfer.reverses_id).where(col(LedgerTransfer.reverses_id).is_not(None), *where)
    return {i for i in session.exec(statement).all() if i is not None}


def _status(transfer: LedgerTransfer, reversed_ids: set[int]) -> str:
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
    reversed_ids = _reversed_ids(session, [col(LedgerTransfer.project_id) == project.id])
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
                _status(use, reversed_ids),
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


def convention_totals(session: Session, convention_id: int) -> tuple[int, int, int]:
    """(minutes deposited and accepted, minutes used by validated uses, minutes of deposits awaiting a decision)."""
    reversed_ids = _reversed_ids(session, [col(LedgerTransfer.convention_id) == convention_id])
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
    reversed_ids = _reversed_ids(session, [col(LedgerTransfer.convention_id) == convention.id])
    consumed = _consumed_by_posted_uses(session, [d.id for d in deposits if d.id is not None], reversed_ids)
    names = public_names(session, [d.holder for d in deposits] + [d.decided_by for d in deposits])
    for deposit in deposits:
        register.deposits.append(
            [
                day(deposit.created_at),
                names.get(deposit.holder, ""),
                str(deposit.amount),
                duration(deposit.amount),
                _status(deposit, reversed_ids),
                day(deposit.decided_at),
                names.get(deposit.decided_by, ""),
                str(consumed.get(deposit.id or 0, 0)),
            ]
        )
    register.approvers = approver_names(session, convention.id)
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


def _consumed_by_posted_uses(session: Session, deposit_ids: list[int], reversed_ids: set[int]) -> dict[int, int]:
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


# -- statement and inboxes ----------------------------------------------------------------------------------------


@dataclass
class Statement:
    """A professional's statement: their deposits (status, hours used from each), uses asked, stakes earned."""

    pseudonym: str
    shows_name: bool
    deposits: list[dict[str, object]] = field(default_factory=list)
    uses: list[dict[str, object]] = field(default_factory=list)
    stakes: list[dict[str, object]] = field(default_factory=list)
    deposited_minutes: int = 0
    used_minutes: int = 0


def statement(session: Session, holder: LedgerHolder) -> Statement:
    """The statement of one ledger holder."""
    result = Statement(pseudonym=holder.pseudonym, shows_name=holder.shows_name)
    mine = session.exec(
        select(LedgerTransfer)
        .where(col(LedgerTransfer.holder) == holder.pseudonym, col(LedgerTransfer.kind) != TransferKind.REVERSAL)
        .order_by(col(LedgerTransfer.id))
    ).all()
    # Someone else's use of my deposit is reversed under their pseudonym: look at every reversal.
    reversed_ids = _reversed_ids(session, [col(LedgerTransfer.kind) == TransferKind.REVERSAL])
    deposits = [t for t in mine if t.kind == TransferKind.DEPOSIT]
    uses = [t for t in mine if t.kind == TransferKind.USE]
    consumed = _consumed_by_posted_uses(session, [d.id for d in deposits if d.id is not None], reversed_ids)
    titles = _project_titles(session, [t.project_id for t in mine if t.project_id])
    conventions = dict(
        session.exec(
            select(Convention.id, Convention.title).where(
                col(Convention.id).in_({t.convention_id for t in mine if t.convention_id})
            )
        ).all()
    )
    for deposit in deposits:
        used = consumed.get(deposit.id or 0, 0)
        result.deposits.append(
            {
                "date": day(deposit.created_at),
                "convention": conventions.get(deposit.convention_id, ""),
                "minutes": deposit.amount,
                "status": _status(deposit, reversed_ids),
                "expires": day(deposit.expires_at) if deposit.status == TransferStatus.PENDING else "",
                "decided": day(deposit.decided_at),
                "used": used,
                "project": titles.get(deposit.project_id or 0, ("", ""))[0],
            }
        )
        if deposit.status == TransferStatus.POSTED and deposit.id not in reversed_ids:
            result.deposited_minutes += deposit.amount
            result.used_minutes += used
    by_link: dict[str, dict[str, object]] = {}
    for use in uses:
        item = by_link.setdefault(
            use.link_id,
            {
                "date": day(use.created_at),
                "project": titles.get(use.project_id or 0, ("", ""))[0],
                "slug": titles.get(use.project_id or 0, ("", ""))[1],
                "minutes": 0,
                "status": _status(use, reversed_ids),
            },
        )
        item["minutes"] = int(str(item["minutes"])) + use.amount
    result.uses = list(by_link.values())
    holdings = session.exec(
        select(LedgerAccount).where(
            col(LedgerAccount.code).startswith("stake:"), col(LedgerAccount.code).endswith(f":{holder.pseudonym}")
        )
    ).all()
    project_ids = [int(a.code.split(":")[1]) for a in holdings]
    stake_titles = _project_titles(session, project_ids)
    for holding in sorted(holdings, key=lambda a: a.code):
        project_id = int(holding.code.split(":")[1])
        title, slug = stake_titles.get(project_id, ("", ""))
        result.stakes.append(
            {
                "project": title,
                "slug": slug,
                "units": holding.balance,
                "share": share(holding.balance, _issued_units(session, project_id)),
            }
        )
    return result


def _issued_units(session: Session, project_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(LedgerAccount.balance), 0)).where(
            col(LedgerAccount.code).startswith(f"stake:{project_id}:")
        )
    ).one()
    return int(total)


def _project_titles(session: Session, project_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    ids = sorted({i for i in project_ids if i})
    if not ids:
        return {}
    rows = session.exec(select(Project.id, Project.title, Project.slug).where(col(Project.id).in_(ids))).all()
    return {pid: (title, slug) for pid, title, slug in rows if pid is not None}


@dataclass(frozen=True)
class PendingDeposit:
    """A deposit waiting for an employer approver's decision."""

    transfer: LedgerTransfer
    convention_title: str
    depositor: str
    is_own: bool
    project_title: str


@dataclass(frozen=True)
class PendingUse:
    """A use (with its linked stakes) waiting for the project lead's decision."""

    link_id: str
    project: Project
    drawer: str
    minutes: int
    created_at: datetime
    is_own: bool


def deposit_inbox(session: Session, account_id: int, own_pseudonym: str) -> list[PendingDeposit]:
    """Pending deposits of the conventions this account approves, oldest first (the depositor's real name)."""
    convention_ids = session.exec(
        select(ConventionApprover.convention_id).where(col(ConventionApprover.account_id) == account_id)
    ).all()
    if not convention_ids:
        return []
    pending = session.exec(
        select(LedgerTransfer)
        .where(
            col(LedgerTransfer.kind) == TransferKind.DEPOSIT,
            col(LedgerTransfer.status) == TransferStatus.PENDING,
            col(LedgerTransfer.convention_id).in_(convention_ids),
        )
        .order_by(col(LedgerTransfer.id))
    ).all()
    titles = dict(
        session.exec(select(Convention.id, Convention.title).where(col(Convention.id).in_(convention_ids))).all()
    )
    names = _holder_real_names(session, [t.holder for t in pending])
    projects = _project_titles(session, [t.project_id for t in pending])
    return [
        PendingDeposit(
            transfer=t,
            convention_title=titles.get(t.convention_id, ""),
            depositor=names.get(t.holder, t.holder),
            is_own=t.holder == own_pseudonym,
            project_title=projects.get(t.project_id or 0, ("", ""))[0],
        )
        for t in pending
    ]


def use_inbox(session: Session, account_id: int, own_pseudonym: str, *, is_admin: bool) -> list[PendingUse]:
    """Pending uses of the projects this account leads (every pending use for an administrator), oldest first."""
    statement = (
        select(LedgerTransfer, Project)
        .join(Project, col(Project.id) == col(LedgerTransfer.project_id))
        .where(col(LedgerTransfer.kind) == TransferKind.USE, col(LedgerTransfer.status) == TransferStatus.PENDING)
        .order_by(col(LedgerTransfer.id))
    )
    if not is_admin:
        statement = statement.where(col(Project.created_by_id) == account_id)
    rows = session.exec(statement).all()
    names = _holder_real_names(session, [t.holder for t, _ in rows])
    grouped: dict[str, PendingUse] = {}
    for transfer, project in rows:
        found = grouped.get(transfer.link_id)
        minutes = transfer.amount + (found.minutes if found else 0)
        grouped[transfer.link_id] = PendingUse(
            link_id=transfer.link_id,
            project=project,
            drawer=names.get(transfer.holder, transfer.holder),
            minutes=minutes,
            created_at=transfer.created_at,
            is_own=transfer.holder == own_pseudonym,
        )
    return list(grouped.values())


def _holder_real_names(session: Session, pseudonyms: Iterable[str]) -> dict[str, str]:
    """The display names behind pseudonyms, for approvers who must know who asks (a tombstone once erased)."""
    wanted = sorted(set(pseudonyms))
    if not wanted:
        return {}
    rows = session.exec(
        select(LedgerHolder.pseudonym, Person.display_name)
        .join(Person, col(Person.account_id) == col(LedgerHolder.account_id), isouter=True)
        .where(col(LedgerHolder.pseudonym).in_(wanted))
    ).all()
    return {p: name or f"{TOMBSTONE} ({p})" for p, name in rows}


@dataclass(frozen=True)
class PublicDeclaration:
    """A current declaration of interests as the public sees it."""

    name: str
    text: str
    valid_until: datetime
    created_at: datetime


def current_declarations(session: Session, now: datetime) -> list[PublicDeclaration]:
    """The latest current declaration of each person, by name."""
    rows = session.exec(
        select(DeclarationOfInterests, Person.display_name)
        .join(Person, col(Person.id) == col(DeclarationOfInterests.person_id))
        .where(col(DeclarationOfInterests.valid_until) > now)
        .order_by(col(DeclarationOfInterests.id).desc())
    ).all()
    latest: dict[int, PublicDeclaration] = {}
    for declaration, name in rows:
        if declaration.person_id not in latest:
            latest[declaration.person_id] = PublicDeclaration(
                name, declaration.text, declaration.valid_until, declaration.created_at
            )
    return sorted(latest.values(), key=lambda d: d.name.lower())


def current_declaration(session: Session, account_id: int, now: datetime) -> DeclarationOfInterests | None:
    """The person's latest declaration that is still current."""
    return session.exec(
        select(DeclarationOfInterests)
        .join(Person, col(Person.id) == col(DeclarationOfInterests.person_id))
        .where(col(Person.account_id) == account_id, col(DeclarationOfInterests.valid_until) > now)
        .order_by(col(DeclarationOfInterests.id).desc())
    ).first()


@dataclass(frozen=True)
class PostedLink:
    """Posted transfers of one link (a deposit, or a use with its stakes) that an administrator may reverse."""

    link_id: str
    kind: str
    minutes: int
    holder: str
    decided_at: datetime | None
    project_title: str


def reversible_links(session: Session, convention_id: int) -> list[PostedLink]:
    """The convention's posted, unreversed deposits and uses, newest first."""
    reversed_ids = _reversed_ids(session, [col(LedgerTransfer.convention_id) == convention_id])
    rows = session.exec(
        select(LedgerTransfer)
        .where(
            col(LedgerTransfer.convention_id) == convention_id,
            col(LedgerTransfer.status) == TransferStatus.POSTED,
            col(LedgerTransfer.kind).in_([TransferKind.DEPOSIT, TransferKind.USE]),
        )
        .order_by(col(LedgerTransfer.id).desc())
    ).all()
    live = [t for t in rows if t.id not in reversed_ids]
    names = public_names(session, [t.holder for t in live])
    titles = _project_titles(session, [t.project_id for t in live])
    links: dict[str, PostedLink] = {}
    for transfer in live:
        found = links.get(transfer.link_id)
        links[transfer.link_id] = PostedLink(
            link_id=transfer.link_id,
            kind="Versement" if transfer.kind == TransferKind.DEPOSIT else "Utilisation",
            minutes=transfer.amount + (found.minutes if found else 0),
            holder=names.get(transfer.holder, ""),
            decided_at=transfer.decided_at,
            project_title=titles.get(transfer.project_id or 0, ("", ""))[0],
        )
    return list(links.values())
