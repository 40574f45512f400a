"""The access record: one read of other people's personal data through a privileged page (ASVS 8.3.5)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class AccessKind(StrEnum):
    """What a privileged page showed of other people (one value per audited page or API answer)."""

    OUTBOX = "outbox"
    MEMBERSHIP_CLAIMS = "membership_claims"
    REPORT_QUEUE = "report_queue"
    REPORT = "report"
    INTRODUCTION = "introduction"
    MEETING_REGISTRATIONS = "meeting_registrations"
    CONVENTION_PEOPLE = "convention_people"


ACCESS_KIND_LABELS = {
    AccessKind.OUTBOX: "Courriels envoyés par le hub",
    AccessKind.MEMBERSHIP_CLAIMS: "Demandes de représentation",
    AccessKind.REPORT_QUEUE: "Signalements à examiner (noms des auteurs)",
    AccessKind.REPORT: "Un signalement",
    AccessKind.INTRODUCTION: "Une demande de mise en relation transmise aux administrateurs",
    AccessKind.MEETING_REGISTRATIONS: "Personnes inscrites à une rencontre",
    AccessKind.CONVENTION_PEOPLE: "Valideurs et déposants d’une convention",
}

# Records are named "type:id" (a file name for an e-mail of the outbox); the French name of each type.
RECORD_TYPE_LABELS = {
    "mail": "courriel",
    "membership": "demande de représentation",
    "report": "signalement",
    "introduction": "mise en relation",
    "meeting": "rencontre",
    "registration": "inscription",
    "convention": "convention",
}


class AccessRecord(SQLModel, table=True):
    """Who (the reader's account) read what (the page, the kind of record, the ids of the people and records
    shown), when, from which address and in which request. Never the contents: no name, e-mail or message."""

    __tablename__ = "access_record"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, description="the reader")
    kind: AccessKind = Field(sa_type=String(32))
    route: str = Field(max_length=200, description="the route template, e.g. /moderation/signalements/{report_id}")
    # the accounts whose data the page showed (ids only)
    person_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the records it showed, as "type:id" (e.g. "report:12", "mail:20261129T101500-1a2b3c4d.eml")
    record_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    request_id: str = Field(default="", max_length=64)
    client_address: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
