"""What a person may send to declare an availability or ask for an introduction (forms and API share it)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.exchanges.models import AvailabilityPhase, Purpose, TargetKind, Visibility, WorkMode

MAX_HOURS_PER_MONTH = 200  # a realistic cap for volunteering alongside a job
HOURS_IN_A_MONTH = 744  # 31 days of 24 hours


class AvailabilityInput(BaseModel):
    """An availability as typed in the form or sent to the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    hours_per_month: int
    starts_on: date
    ends_on: date
    phases: list[AvailabilityPhase] = Field(max_length=3)
    skills: str = Field("", max_length=2000)
    sectors: list[str] = Field(default_factory=list, max_length=20)
    work_mode: WorkMode = WorkMode.BOTH
    departement: str = Field("", max_length=3, description="INSEE code of the département, e.g. 33")
    visibility: Visibility = Visibility.MEMBERS

    @field_validator("hours_per_month")
    @classmethod
    def _hours(cls, value: int) -> int:
        if value > HOURS_IN_A_MONTH:
            raise ValueError(
                f"Un mois compte au plus {HOURS_IN_A_MONTH} heures : indiquez un nombre d’heures par mois."
            )
        if value > MAX_HOURS_PER_MONTH:
            raise ValueError(f"Indiquez au plus {MAX_HOURS_PER_MONTH} heures par mois.")
        if value < 1:
            raise ValueError("Indiquez au moins une heure par mois.")
        return value

    @field_validator("phases")
    @classmethod
    def _some_phase(cls, value: list[AvailabilityPhase]) -> list[AvailabilityPhase]:
        if not value:
            raise ValueError("Choisissez au moins une phase : conception, expérimentation ou évaluation.")
        return list(dict.fromkeys(value))

    @field_validator("sectors")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class IntroductionInput(BaseModel):
    """An introduction request: whom to meet, on behalf of which project or structure, why, and a message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target_kind: TargetKind
    target_id: int = Field(ge=1)
    on_behalf: str = Field("", max_length=40, description="'project:<id>' or 'actor:<id>'")
    purpose: Purpose
    message: str = Field(min_length=20, max_length=2000)


class DecisionInput(BaseModel):
    """The recipient's answer: accept (with optional contact details) or decline (with a reason)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: str = Field(pattern="^(accept|decline)$")
    reason: str = Field("", max_length=2000)
    shared_contact: str = Field("", max_length=300)
