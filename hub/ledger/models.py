"""Tables of the innovation-hours bank: conventions, declarations, ledger accounts, transfers and the hash-chained journal.

`convention` stays French: it is the legal term for the agreement between the lab and an employer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, json_column_type, utcnow


class AccountKind(StrEnum):
    """What a ledger account stands for."""

    PROFESSIONAL = "professional"  # source: working time a professional contributed (negative = given)
    POOL = "pool"  # minutes accepted into a convention's pool
    PROJECT = "project"  # minutes used for a project
    STAKE_SOURCE = "stake_source"  # source: stake units a project issued (negative = issued)
    STAKE = "stake"  # stake units one depositor holds in one project


class Unit(StrEnum):
    """What an amount counts: whole minutes of working time, or whole stake units."""

    MINUTE = "minute"
    STAKE_UNIT = "stake_unit"


class TransferKind(StrEnum):
    """Why value moved."""

    DEPOSIT = "deposit"
    USE = "use"
    STAKE = "stake"
    REVERSAL = "reversal"


class TransferStatus(StrEnum):
    """Two-phase life of a transfer: pending, then posted or voided (never back)."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class EntryPhase(StrEnum):
    """What a journal entry records: a reservation, a posting, or a voided reservation."""

    PENDING = "pending"
    POST = "post"
    VOID = "void"


class DeclarationOfInterests(SQLModel, table=True):
    """A person's public declaration of interests, current until `valid_until`."""

    __tablename__ = "declaration_of_interests"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_type=Text)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Convention(SQLModel, table=True):
    """An agreement between the lab and an employer: who may deposit, the cap per person and period."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    employer_id: int = Field(foreign_key="actor.id", index=True)
    cap_minutes_per_period: int = Field(description="most minutes one person may deposit per period")
    period_days: int = Field(default=365)
    deposit_expiry_days: int = Field(default=30, description="a pending deposit is voided after this many days")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConventionApprover(SQLModel, table=True):
    """An account that approves deposits on the employer's side of a convention."""

    __tablename__ = "convention_approver"

    convention_id: int = Field(foreign_key="convention.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)


class ConventionDepositor(SQLModel, table=True):
    """An account a convention names as allowed to deposit; with nobody named, every employee of the employer may."""

    __tablename__ = "convention_depositor"

    convention_id: int = Field(foreign_key="convention.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)


class StakeRule(SQLModel, table=True):
    """A project's published conversion rule: stake units earned per hour used, fixed at a date."""

    __tablename__ = "stake_rule"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    units_per_hour: int
    fixed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LedgerHolder(SQLModel, table=True):
    """The pseudonym under which an account holder appears in the ledger (survives GDPR erasure)."""

    __tablename__ = "ledger_holder"

    pseudonym: str = Field(primary_key=True, max_length=32)
    account_id: int | None = Field(default=None, foreign_key="account.id", unique=True)
    shows_name: bool = Field(default=False, description="whether the public register shows the name")


class LedgerAccount(SQLModel, table=True):
    """One balance of the bank; only source accounts may go below zero (schema and code agree)."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("is_source OR balance - reserved >= 0", name="balance_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=80, description="pseudonymous: kind:ids, never a name")
    kind: AccountKind = Field(sa_type=String(16))
    unit: Unit = Field(sa_type=String(12))
    is_source: bool = Field(default=False)
    balance: int = Field(default=0, sa_type=BigInteger)
    reserved: int = Field(default=0, sa_type=BigInteger, description="debits of pending transfers")
    seq: int = Field(
        default=0,
        sa_type=BigInteger,
        sa_column_kwargs={"server_default": "0"},
        description="how many journal entries the account has",
    )
    head_hash: str = Field(
        default="0" * 64,
        max_length=64,
        sa_column_kwargs={"server_default": "0" * 64},
        description="hash of the account's last journal entry",
    )


class LedgerTransfer(SQLModel, table=True):
    """A movement of `amount` from one account to another; only its status moves, pending -> posted/voided."""

    __tablename__ = "ledger_transfer"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: TransferKind = Field(sa_type=String(12))
    status: TransferStatus = Field(sa_type=String(12), index=True)
    debit_account_id: int = Field(foreign_key="ledger_account.id", index=True)
    credit_account_id: int = Field(foreign_key="ledger_account.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    unit: Unit = Field(sa_type=String(12))
    link_id: str = Field(max_length=32, index=True, description="transfers that succeed or fail together")
    convention_id: int | None = Field(default=None, foreign_key="convention.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    holder: str = Field(max_length=32, description="pseudonym of the depositor, drawer or stake holder")
    source_deposit_id: int | None = Field(default=None, foreign_key="ledger_transfer.id", index=True)
    reverses_id: int | None = Field(default=None, foreign_key="ledger_transfer.id", unique=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=32, description="pseudonym of the approver")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LedgerEntry(SQLModel, table=True):
    """One leg of one phase of a transfer in the journal, chained by SHA-256 to the previous entry of its account."""

    __tablename__ = "ledger_entry"
    __table_args__ = (UniqueConstraint("account_id", "account_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="ledger_transfer.id", index=True)
    account_id: int = Field(foreign_key="ledger_account.id", index=True)
    account_seq: int = Field(sa_type=BigInteger, description="place of the entry in its account's chain, from 1")
    phase: EntryPhase = Field(sa_type=String(8))
    delta: int = Field(sa_type=BigInteger, description="credit positive, debit negative")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class LedgerChainHead(SQLModel, table=True):
    """Legacy: the head of the former single journal chain, no longer written (each account now keeps its head)."""

    __tablename__ = "ledger_chain_head"

    id: int = Field(default=1, primary_key=True)
    last_entry_id: int = Field(default=0, sa_type=BigInteger)
    last_hash: str = Field(default="0" * 64, max_length=64)


class LedgerRequest(SQLModel, table=True):
    """A client's idempotency key and the first outcome it had (an effect or a refusal)."""

    __tablename__ = "ledger_request"

    key: str = Field(primary_key=True, max_length=100)
    operation: str = Field(max_length=32)
    payload_hash: str = Field(max_length=64)
    outcome: dict[str, Any] | None = Field(default=None, sa_column=Column(json_column_type(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
