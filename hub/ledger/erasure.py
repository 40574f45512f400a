"""GDPR erasure: a person's identity becomes a tombstone while their pseudonymous ledger accounts stay and verify."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from hub.accounts.models import Account, AccountRole, Person, UserSession
from hub.accounts.viewer import Viewer
from hub.changelog.services import record_change
from hub.db import metadata
from hub.errors import NotFound, PermissionDenied
from hub.ledger.models import ConventionApprover, ConventionDepositor, DeclarationOfInterests, LedgerHolder

TOMBSTONE_NAME = "Personne supprimée"
# Rows that exist only for the person (their availabilities, notifications, memberships, supports...): deleted.
# What they published for others (needs, comments, answers, projects) stays, signed by the tombstone.
PERSONAL_ROWS = (
    ("availability", "account_id"),
    ("notification", "account_id"),
    ("suggestion_feedback", "account_id"),
    ("actor_membership", "account_id"),
    ("place_staff", "account_id"),
    ("need_support", "account_id"),
    ("feedback_support", "account_id"),
)
UNUSABLE_PASSWORD_HASH = "!erased"  # noqa: S105 (not a password: no argon2 hash starts with "!": nobody can sign in)


def tombstone_email(account_id: int) -> str:
    """The address an erased account keeps (unique, undeliverable: .invalid is reserved by RFC 2606)."""
    return f"personne-supprimee-{account_id}@supprime.invalid"


def is_erased(account: Account) -> bool:
    """Whether this account was erased."""
    return account.email == tombstone_email(account.id or 0)


def erase_person(session: Session, account_id: int, *, by: Viewer) -> bool:
    """Erase a person (themself or by an administrator): profile and account become a tombstone, sessions, roles,
    declarations, approver designations and the rows listed in PERSONAL_ROWS go, and the ledger pseudonym no
    longer leads to them.

    Ledger accounts, transfers and journal entries are keyed by the pseudonym and are left untouched, so
    `hub ledger verify` still passes. Returns False when the person was already erased (nothing to do).
    """
    if by.account_id != account_id and not by.is_admin:
        raise PermissionDenied("Seuls la personne elle-même et les administrateurs peuvent effacer un compte.")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Ce compte n’existe pas.")
    if is_erased(account):
        return False
    account.email = tombstone_email(account_id)
    account.password_hash = UNUSABLE_PASSWORD_HASH
    account.is_active = False
    session.add(account)
    person = session.exec(select(Person).where(col(Person.account_id) == account_id)).first()
    if person is not None:
        person.display_name = TOMBSTONE_NAME
        person.profession = ""
        person.bio = ""
        person.organisation_id = None
        person.is_public = False
        session.add(person)
        session.exec(delete(DeclarationOfInterests).where(col(DeclarationOfInterests.person_id) == person.id))
    session.exec(delete(UserSession).where(col(UserSession.account_id) == account_id))
    session.exec(delete(AccountRole).where(col(AccountRole.account_id) == account_id))
    session.exec(delete(ConventionApprover).where(col(ConventionApprover.account_id) == account_id))
    session.exec(delete(ConventionDepositor).where(col(ConventionDepositor.account_id) == account_id))
    for table_name, column in PERSONAL_ROWS:
        table = metadata.tables.get(table_name)
        if table is not None:
            session.execute(table.delete().where(table.c[column] == account_id))
    holder = session.exec(select(LedgerHolder).where(col(LedgerHolder.account_id) == account_id)).first()
    if holder is not None:
        holder.account_id = None
        holder.shows_name = False
        session.add(holder)
    record_change(
        session,
        object_type="account",
        object_id=account_id,
        action="erase",
        account_id=None if by.account_id == account_id else by.account_id,
        changes={},
        note="effacement à la demande de la personne"
        if by.account_id == account_id
        else "effacement par un administrateur",
    )
    session.flush()
    return True
