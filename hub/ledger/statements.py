"""What each person sees of the bank: their statement, approval inboxes, declarations, and the administrator's
reversible operations (read only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.ledger.models import (
    Convention,
    ConventionApprover,
    DeclarationOfInterests,
    LedgerAccount,
    LedgerHolder,
    LedgerTransfer,
    TransferKind,
    TransferStatus,
)
from hub.ledger.registers import (
    TOMBSTONE,
    consumed_by_posted_uses,
    day,
    project_titles,
    public_names,
    reversed_ids_where,
    share,
    status_label,
)
from hub.projects.models import Project


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
    reversed_ids = reversed_ids_where(session, [col(LedgerTransfer.kind) == TransferKind.REVERSAL])
    deposits = [t for t in mine if t.kind == TransferKind.DEPOSIT]
    uses = [t for t in mine if t.kind == TransferKind.USE]
    consumed = consumed_by_posted_uses(session, [d.id for d in deposits if d.id is not None], reversed_ids)
    titles = project_titles(session, [t.project_id for t in mine if t.project_id])
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
                "status": status_label(deposit, reversed_ids),
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
                "status": status_label(use, reversed_ids),
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
    stake_titles = project_titles(session, project_ids)
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
    projects = project_titles(session, [t.project_id for t in pending])
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
    reversed_ids = reversed_ids_where(session, [col(LedgerTransfer.convention_id) == convention_id])
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
    titles = project_titles(session, [t.project_id for t in live])
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
