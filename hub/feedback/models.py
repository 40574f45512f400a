"""Field feedback (remontées du terrain): what blocks innovation, addressed to an institution that answers in public.

"Institution" is an actor of the directory whose kind is public_body (HAS, ANSM, CNIL, ARS, ministries...).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class FeedbackCategory(StrEnum):
    """What kind of obstacle is raised (digest R7.2)."""

    REGULATION = "regulation"
    REIMBURSEMENT = "reimbursement"
    HAS_PROCEDURES = "has_procedures"
    DATA_ACCESS = "data_access"
    FUNDING = "funding"
    INTEROPERABILITY = "interoperability"
    OTHER = "other"


CATEGORY_LABELS = {
    FeedbackCategory.REGULATION: "Réglementation",
    FeedbackCategory.REIMBURSEMENT: "Remboursement",
    FeedbackCategory.HAS_PROCEDURES: "Procédures de la HAS",
    FeedbackCategory.DATA_ACCESS: "Accès aux données",
    FeedbackCategory.FUNDING: "Financement",
    FeedbackCategory.INTEROPERABILITY: "Interopérabilité et référentiels",
    FeedbackCategory.OTHER: "Autre",
}


class FeedbackStatus(StrEnum):
    """Where an item stands at the institution; every change is kept in FeedbackStatusChange."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    ANSWERED = "answered"
    ACTED_UPON = "acted_upon"


STATUS_LABELS = {
    FeedbackStatus.RECEIVED: "Reçu",
    FeedbackStatus.UNDER_REVIEW: "En cours d’examen",
    FeedbackStatus.ANSWERED: "Répondu",
    FeedbackStatus.ACTED_UPON: "Suite donnée",
}


class AuthorCapacity(StrEnum):
    """In which capacity the author speaks (the report names entrepreneurs, professionals and patients)."""

    ENTREPRENEUR = "entrepreneur"
    HEALTH_PROFESSIONAL = "health_professional"
    PATIENT = "patient"
    OTHER = "other"


CAPACITY_LABELS = {
    AuthorCapacity.ENTREPRENEUR: "Entrepreneur ou entreprise",
    AuthorCapacity.HEALTH_PROFESSIONAL: "Professionnel de santé",
    AuthorCapacity.PATIENT: "Patient ou usager",
    AuthorCapacity.OTHER: "Autre",
}


class FieldFeedback(SQLModel, table=True):
    """An obstacle to innovation raised by a member and addressed to an institution, with its current status.

    Hidden items (abuse) stay listed as « masqué par la modération »; the reason is in the moderation log.
    """

    __tablename__ = "field_feedback"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="account.id", index=True)
    show_author: bool = Field(default=True, description="whether the author's name is shown")
    author_capacity: AuthorCapacity = Field(sa_type=String(24))
    institution_id: int = Field(foreign_key="actor.id", index=True)
    category: FeedbackCategory = Field(sa_type=String(24), index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_type=Text)
    sector_code: str | None = Field(default=None, foreign_key="sector.code", max_length=32)
    territory_id: str | None = Field(default=None, foreign_key="territory.id", max_length=12)
    status: FeedbackStatus = Field(default=FeedbackStatus.RECEIVED, sa_type=String(16), index=True)
    is_hidden: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedbackSupport(SQLModel, table=True):
    """A member supports an item (« moi aussi »): one per person, enforced by the primary key."""

    __tablename__ = "feedback_support"

    feedback_id: int = Field(foreign_key="field_feedback.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedbackAnswer(SQLModel, table=True):
    """A public answer from a decision-maker of the institution (or an administrator)."""

    __tablename__ = "feedback_answer"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="field_feedback.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    institution_id: int = Field(foreign_key="actor.id")
    body: str = Field(sa_type=Text)
    is_hidden: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedbackStatusChange(SQLModel, table=True):
    """One step of an item's status history (the first step is « Reçu », at creation)."""

    __tablename__ = "feedback_status_change"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="field_feedback.id", index=True)
    from_status: FeedbackStatus | None = Field(default=None, sa_type=String(16))
    to_status: FeedbackStatus = Field(sa_type=String(16))
    changed_by_id: int = Field(foreign_key="account.id")
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
