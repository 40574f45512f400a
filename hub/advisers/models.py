"""Dossiers that support structures and consultants filed with an authority, and their outcome, from which the
hub publishes each adviser's share of dossiers rejected for administrative or formal reasons (digest R6.12)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow
from hub.directory.models import ActorKind

# Directory kinds that are support structures, hence advisers without further declaration. The directory has no
# "consultant" kind: a consulting firm is a company whose member declares it as such (AdviserDeclaration).
SUPPORT_KINDS = frozenset(
    {
        ActorKind.PUBLIC_SUPPORT,
        ActorKind.INCUBATOR,
        ActorKind.INNOVATION_CENTRE,
        ActorKind.COMPETITIVENESS_CLUSTER,
        ActorKind.GRADES,
        ActorKind.LIVING_LAB,
    }
)


class Authority(StrEnum):
    """The authorities a dossier can be filed with (a fixed list, so that rates compare like with like)."""

    HAS = "has"
    ANSM = "ansm"
    CNIL = "cnil"
    CPP = "cpp"
    CESREES = "cesrees"
    CEPS = "ceps"
    ANS = "ans"
    NOTIFIED_BODY = "notified_body"
    ARS = "ars"


AUTHORITY_LABELS = {
    Authority.HAS: "HAS — Haute Autorité de santé",
    Authority.ANSM: "ANSM — Agence nationale de sécurité du médicament",
    Authority.CNIL: "CNIL — Commission nationale de l’informatique et des libertés",
    Authority.CPP: "CPP — Comité de protection des personnes",
    Authority.CESREES: "CESREES — Comité éthique et scientifique (données de santé)",
    Authority.CEPS: "CEPS — Comité économique des produits de santé",
    Authority.ANS: "ANS — Agence du numérique en santé",
    Authority.NOTIFIED_BODY: "Organisme notifié (marquage CE)",
    Authority.ARS: "ARS — Agence régionale de santé",
}


class Outcome(StrEnum):
    """How the authority answered; `pending` dossiers are not decided and never count in a rate."""

    ACCEPTED = "accepted"
    REJECTED_FORMAL = "rejected_formal"
    REJECTED_MERITS = "rejected_merits"
    PENDING = "pending"


OUTCOME_LABELS = {
    Outcome.ACCEPTED: "Accepté",
    Outcome.REJECTED_FORMAL: "Rejeté pour motif administratif ou de forme",
    Outcome.REJECTED_MERITS: "Rejeté sur le fond",
    Outcome.PENDING: "En cours",
}


class AdviserDeclaration(SQLModel, table=True):
    """A company of the directory declared by one of its members as a consulting firm (an adviser)."""

    __tablename__ = "adviser_declaration"

    actor_id: int = Field(foreign_key="actor.id", primary_key=True)
    declared_by_id: int = Field(foreign_key="account.id")
    declared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AdviserDossier(SQLModel, table=True):
    """A dossier an adviser filed with an authority for a client, and its outcome (no client is named)."""

    __tablename__ = "adviser_dossier"

    id: int | None = Field(default=None, primary_key=True)
    adviser_id: int = Field(foreign_key="actor.id", index=True)
    authority: Authority = Field(sa_type=String(16))
    outcome: Outcome = Field(sa_type=String(20))
    filed_on: date
    decided_on: date | None = None
    reference: str = Field(default="", max_length=100, description="the adviser's own reference, optional")
    recorded_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
