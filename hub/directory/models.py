"""Actors (organisations of the network), their sectors, phases and memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ActorKind(StrEnum):
    """The kinds of actor the report asks the directory to hold (digest R2.4)."""

    INNOVATION_CENTRE = "innovation_centre"
    LIVING_LAB = "living_lab"
    INCUBATOR = "incubator"
    PUBLIC_SUPPORT = "public_support"
    COMPETITIVENESS_CLUSTER = "competitiveness_cluster"
    GRADES = "grades"
    COMPANY = "company"
    HEALTH_ESTABLISHMENT = "health_establishment"
    RESEARCH_UNIT = "research_unit"
    UNIVERSITY = "university"
    PATIENT_ORGANISATION = "patient_organisation"
    PROFESSIONAL_BODY = "professional_body"
    PUBLIC_BODY = "public_body"
    FUNDER = "funder"


ACTOR_KIND_LABELS = {
    ActorKind.INNOVATION_CENTRE: "Centre d’innovation",
    ActorKind.LIVING_LAB: "Living lab",
    ActorKind.INCUBATOR: "Incubateur ou accélérateur",
    ActorKind.PUBLIC_SUPPORT: "Structure d’accompagnement publique",
    ActorKind.COMPETITIVENESS_CLUSTER: "Pôle de compétitivité",
    ActorKind.GRADES: "Groupement régional e-santé (GRADeS)",
    ActorKind.COMPANY: "Entreprise",
    ActorKind.HEALTH_ESTABLISHMENT: "Établissement de santé",
    ActorKind.RESEARCH_UNIT: "Unité de recherche",
    ActorKind.UNIVERSITY: "Université ou école",
    ActorKind.PATIENT_ORGANISATION: "Association de patients ou d’usagers",
    ActorKind.PROFESSIONAL_BODY: "Organisation professionnelle",
    ActorKind.PUBLIC_BODY: "Organisme public",
    ActorKind.FUNDER: "Financeur",
}


class ActorPhase(StrEnum):
    """The phases of a project an actor is willing to join (digest R2.5)."""

    CONCEPTION = "conception"
    EXPERIMENTATION = "experimentation"
    DEVELOPMENT = "development"
    DEPLOYMENT = "deployment"


ACTOR_PHASE_LABELS = {
    ActorPhase.CONCEPTION: "Conception",
    ActorPhase.EXPERIMENTATION: "Expérimentation",
    ActorPhase.DEVELOPMENT: "Développement",
    ActorPhase.DEPLOYMENT: "Déploiement",
}


class VerificationStatus(StrEnum):
    """How far the hub vouches for an actor's listing."""

    DECLARED = "declared"
    VERIFIED = "verified"
    WITHDRAWN = "withdrawn"


VERIFICATION_LABELS = {
    VerificationStatus.DECLARED: "Déclaré",
    VerificationStatus.VERIFIED: "Vérifié",
    VerificationStatus.WITHDRAWN: "Retiré",
}


class Actor(SQLModel, table=True):
    """An organisation of the network, with its territory, sectors and the phases it will join."""

    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_actor_source_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    name: str = Field(max_length=200, index=True)
    acronym: str = Field(default="", max_length=40)
    kind: ActorKind = Field(index=True, sa_type=String(32))
    siren: str | None = Field(default=None, max_length=9, index=True)
    siret: str | None = Field(default=None, max_length=14)
    finess: str | None = Field(default=None, max_length=9)
    rna: str | None = Field(default=None, max_length=10)
    rnsr: str | None = Field(default=None, max_length=10)
    ror: str | None = Field(default=None, max_length=9)
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=5)
    commune: str = Field(default="", max_length=100)
    departement_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    region_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    latitude: float | None = None
    longitude: float | None = None
    is_experimentation_volunteer: bool = Field(default=False, index=True)
    experimentation_offer: str = Field(default="", sa_type=Text)
    description: str = Field(default="", sa_type=Text)
    website: str = Field(default="", max_length=300)
    verification_status: VerificationStatus = Field(default=VerificationStatus.DECLARED, sa_type=String(12))
    is_claimed: bool = Field(default=False)
    source: str = Field(default="hub", max_length=32)
    source_ref: str | None = Field(default=None, max_length=64)
    source_url: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActorSector(SQLModel, table=True):
    """An actor works in a sector."""

    __tablename__ = "actor_sector"

    actor_id: int = Field(foreign_key="actor.id", primary_key=True)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, index=True, max_length=32)


class ActorPhaseLink(SQLModel, table=True):
    """An actor will join projects in this phase."""

    __tablename__ = "actor_phase"

    actor_id: int = Field(foreign_key="actor.id", primary_key=True)
    phase: ActorPhase = Field(primary_key=True, index=True, sa_type=String(20))


class MembershipStatus(StrEnum):
    """Where a request to represent an actor stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


MEMBERSHIP_LABELS = {
    MembershipStatus.PENDING: "En attente",
    MembershipStatus.APPROVED: "Approuvée",
    MembershipStatus.REFUSED: "Refusée",
}


class ActorMembership(SQLModel, table=True):
    """A person represents an actor (approved), or asked to (pending), or was refused with a reason."""

    __tablename__ = "actor_membership"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    status: MembershipStatus = Field(default=MembershipStatus.PENDING, sa_type=String(12), index=True)
    message: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=2000)
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
