"""Projects, their partners, sectors and needs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ProjectPhase(StrEnum):
    """Where a project stands, from the idea to deployment."""

    IDEA = "idea"
    CONCEPTION = "conception"
    EXPERIMENTATION = "experimentation"
    DEVELOPMENT = "development"
    MARKET_ACCESS = "market_access"
    DEPLOYMENT = "deployment"


PROJECT_PHASE_LABELS = {
    ProjectPhase.IDEA: "Idée",
    ProjectPhase.CONCEPTION: "Conception",
    ProjectPhase.EXPERIMENTATION: "Expérimentation",
    ProjectPhase.DEVELOPMENT: "Développement",
    ProjectPhase.MARKET_ACCESS: "Accès au marché",
    ProjectPhase.DEPLOYMENT: "Déploiement",
}


class RegulatoryStatus(StrEnum):
    """Medical-device status (digest R6.4: classes I, IIa, IIb, III)."""

    UNKNOWN = "unknown"
    NOT_MEDICAL_DEVICE = "not_medical_device"
    MD_CLASS_I = "md_class_i"
    MD_CLASS_IIA = "md_class_iia"
    MD_CLASS_IIB = "md_class_iib"
    MD_CLASS_III = "md_class_iii"
    CE_MARKED = "ce_marked"


REGULATORY_LABELS = {
    RegulatoryStatus.UNKNOWN: "Non renseigné",
    RegulatoryStatus.NOT_MEDICAL_DEVICE: "Pas un dispositif médical",
    RegulatoryStatus.MD_CLASS_I: "Dispositif médical de classe I",
    RegulatoryStatus.MD_CLASS_IIA: "Dispositif médical de classe IIa",
    RegulatoryStatus.MD_CLASS_IIB: "Dispositif médical de classe IIb",
    RegulatoryStatus.MD_CLASS_III: "Dispositif médical de classe III",
    RegulatoryStatus.CE_MARKED: "Marquage CE obtenu",
}


class ReimbursementStatus(StrEnum):
    """Where the project stands with reimbursement (HAS opinion, tariff)."""

    UNKNOWN = "unknown"
    NOT_SOUGHT = "not_sought"
    IN_PREPARATION = "in_preparation"
    UNDER_REVIEW = "under_review"
    EARLY_ACCESS = "early_access"
    REIMBURSED = "reimbursed"


REIMBURSEMENT_LABELS = {
    ReimbursementStatus.UNKNOWN: "Non renseigné",
    ReimbursementStatus.NOT_SOUGHT: "Pas de remboursement visé",
    ReimbursementStatus.IN_PREPARATION: "Dossier en préparation",
    ReimbursementStatus.UNDER_REVIEW: "En cours d’évaluation (HAS)",
    ReimbursementStatus.EARLY_ACCESS: "Prise en charge anticipée",
    ReimbursementStatus.REIMBURSED: "Remboursé",
}


class ProjectNeed(StrEnum):
    """What a project is looking for."""

    PARTNERS = "partners"
    EXPERIMENTATION_SITE = "experimentation_site"
    PROFESSIONALS = "professionals"
    PATIENTS = "patients"
    FUNDING = "funding"
    REGULATORY_HELP = "regulatory_help"


NEED_LABELS = {
    ProjectNeed.PARTNERS: "Partenaires",
    ProjectNeed.EXPERIMENTATION_SITE: "Lieu d’expérimentation",
    ProjectNeed.PROFESSIONALS: "Professionnels de santé",
    ProjectNeed.PATIENTS: "Patients ou usagers",
    ProjectNeed.FUNDING: "Financement",
    ProjectNeed.REGULATORY_HELP: "Aide réglementaire",
}


class ProjectStatus(StrEnum):
    """Whether a project is listed, merged into another, or withdrawn (nothing is deleted)."""

    ACTIVE = "active"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


PROJECT_STATUS_LABELS = {
    ProjectStatus.ACTIVE: "En cours",
    ProjectStatus.MERGED: "Fusionné",
    ProjectStatus.WITHDRAWN: "Retiré",
}


class Project(SQLModel, table=True):
    """A project of the catalogue; a merged project points to its successor."""

    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_project_source_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    title: str = Field(max_length=200, index=True)
    summary: str = Field(default="", max_length=600)
    description: str = Field(default="", sa_type=Text)
    carrier_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    phase: ProjectPhase = Field(default=ProjectPhase.IDEA, index=True, sa_type=String(20))
    regulatory_status: RegulatoryStatus = Field(default=RegulatoryStatus.UNKNOWN, sa_type=String(24))
    reimbursement_status: ReimbursementStatus = Field(default=ReimbursementStatus.UNKNOWN, sa_type=String(24))
    has_patient_involvement: bool = Field(default=False, description="patients or users involved since conception")
    has_professional_involvement: bool = Field(
        default=False, description="health professionals involved since conception"
    )
    region_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    departement_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    status: ProjectStatus = Field(default=ProjectStatus.ACTIVE, index=True, sa_type=String(12))
    successor_id: int | None = Field(default=None, foreign_key="project.id")
    year: int | None = None
    source: str = Field(default="hub", max_length=32)
    source_ref: str | None = Field(default=None, max_length=64)
    source_url: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectSector(SQLModel, table=True):
    """A project concerns a sector."""

    __tablename__ = "project_sector"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, index=True, max_length=32)


class ProjectNeedLink(SQLModel, table=True):
    """A project needs something."""

    __tablename__ = "project_need"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    need: ProjectNeed = Field(primary_key=True, index=True, sa_type=String(24))


class PartnerRole(StrEnum):
    """What a partner brings to a project."""

    RESEARCH = "recherche"
    SUPPORT = "accompagnement"
    ESTABLISHMENT = "etablissement"
    INDUSTRIAL = "industriel"
    PATIENTS = "patients"
    FUNDER = "financeur"
    OTHER = "autre"


PARTNER_ROLE_LABELS = {
    PartnerRole.RESEARCH: "Partenaire de recherche",
    PartnerRole.SUPPORT: "Accompagnement",
    PartnerRole.ESTABLISHMENT: "Établissement d’expérimentation",
    PartnerRole.INDUSTRIAL: "Partenaire industriel",
    PartnerRole.PATIENTS: "Représentation des patients",
    PartnerRole.FUNDER: "Financeur",
    PartnerRole.OTHER: "Autre",
}


class ProjectPartner(SQLModel, table=True):
    """An actor takes part in a project with a role."""

    __tablename__ = "project_partner"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", primary_key=True, index=True)
    role: PartnerRole = Field(default=PartnerRole.OTHER, sa_type=String(20))
