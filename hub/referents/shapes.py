"""What an administrator sends to assign a referent or end a term (forms and API share it)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.referents.models import ReferentRole


class AssignmentInput(BaseModel):
    """A referent assignment: who (e-mail of their account), where, which sectors, which seat, for how long."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    territory: str = Field(min_length=1, max_length=12, description="territory id: reg-75 or dep-33")
    sectors: list[str] = Field(default_factory=list, max_length=20)
    role: ReferentRole
    starts_on: date
    ends_on: date | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("sectors")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v for v in value if v))


class EndInput(BaseModel):
    """The last day of a term being ended."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ends_on: date


class CloseInput(BaseModel):
    """How a referent closes a queue item."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: str = Field(min_length=2, max_length=300)
