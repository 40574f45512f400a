"""Research results offered for valorisation, the researcher's declared intent and its history, companies'
interest and the pairings the institution makes (Recommendation 4, digest R4.1-R4.7).

The intent is a declaration, never a condition: nothing in the hub (interest, pairing, visibility) depends on it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class Intent(StrEnum):
    """What the researcher wants to do with the result (digest R4.3-R4.6); it may change at any time."""

    CARRY = "carry"
    INSTITUTION = "institution"
    UNDECIDED = "undecided"


INTENT_LABELS = {
    Intent.CARRY: "Porter soi-même le projet",
    Intent.INSTITUTION: "Laisser l’établissement valoriser avec une entreprise partenaire",
    Intent.UNDECIDED: "Indécis",
}


class ResearchResult(SQLModel, table=True):
    """A research result: its research unit, grant reference, intellectual-property holder and researcher."""

    __tablename__ = "research_result"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_type=Text)
    research_unit_id: int = Field(foreign_key="actor.id", index=True)
    ip_holder_id: int = Field(foreign_key="actor.id", index=True)
    grant_reference: str = Field(default="", max_length=100)
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    researcher_id: int = Field(foreign_key="account.id", index=True)
    intent: Intent = Field(default=Intent.UNDECIDED, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResearchIntentChange(SQLModel, table=True):
    """One change of intent (the first declaration has no `from_intent`); never updated nor deleted."""

    __tablename__ = "research_intent_change"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="research_result.id", index=True)
    changed_by_id: int = Field(foreign_key="account.id")
    from_intent: Intent | None = Field(default=None, sa_type=String(16))
    to_intent: Intent = Field(sa_type=String(16))
    note: str = Field(default="", max_length=500)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResearchInterest(SQLModel, table=True):
    """A company says it would valorise the result (one interest per company and result)."""

    __tablename__ = "research_interest"
    __table_args__ = (UniqueConstraint("result_id", "company_id", name="uq_research_interest_company"),)

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="research_result.id", index=True)
    company_id: int = Field(foreign_key="actor.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    message: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResearchPairing(SQLModel, table=True):
    """The institution pairs the result with a company; the researcher or the institution may end it."""

    __tablename__ = "research_pairing"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="research_result.id", index=True)
    company_id: int = Field(foreign_key="actor.id", index=True)
    paired_by_id: int = Field(foreign_key="account.id")
    note: str = Field(default="", max_length=2000)
    paired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(default=None, foreign_key="account.id")
    end_reason: str = Field(default="", max_length=2000)
