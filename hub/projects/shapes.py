"""What a person may send to create or edit a project (forms and API share it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.projects.models import PartnerRole, ProjectNeed, ProjectPhase, RegulatoryStatus, ReimbursementStatus


class PartnerInput(BaseModel):
    """One partner actor and its role."""

    model_config = ConfigDict(extra="forbid")

    actor_id: int = Field(ge=1)
    role: PartnerRole = PartnerRole.OTHER


class ProjectInput(BaseModel):
    """A project as typed in the form or sent to the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field("", max_length=600)
    description: str = Field("", max_length=10000)
    carrier_id: int | None = Field(None, ge=1)
    partners: list[PartnerInput] = Field(default_factory=list, max_length=100)
    sectors: list[str] = Field(default_factory=list, max_length=20)
    phase: ProjectPhase = ProjectPhase.IDEA
    regulatory_status: RegulatoryStatus = RegulatoryStatus.UNKNOWN
    reimbursement_status: ReimbursementStatus = ReimbursementStatus.UNKNOWN
    needs: list[ProjectNeed] = Field(default_factory=list, max_length=6)
    has_patient_involvement: bool = False
    has_professional_involvement: bool = False
    region: str = Field("", max_length=3, description="INSEE code of the région, e.g. 75")
    departement: str = Field("", max_length=3, description="INSEE code of the département, e.g. 33")

    @field_validator("sectors", "needs")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("partners")
    @classmethod
    def _unique_partners(cls, value: list[PartnerInput]) -> list[PartnerInput]:
        seen: dict[int, PartnerInput] = {}
        for partner in value:
            seen.setdefault(partner.actor_id, partner)
        return list(seen.values())
