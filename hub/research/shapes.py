"""What a person may send about a research result (forms and API share these shapes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.research.models import Intent


class ResultInput(BaseModel):
    """A research result as the researcher records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field("", max_length=4000)
    research_unit_id: int = Field(ge=1)
    ip_holder_id: int = Field(ge=1)
    grant_reference: str = Field("", max_length=100)
    sectors: list[str] = Field(default_factory=list, max_length=10)
    intent: Intent = Intent.UNDECIDED

    @field_validator("sectors")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class IntentInput(BaseModel):
    """The researcher's new intent, with an optional word of explanation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intent: Intent
    note: str = Field("", max_length=500)


class InterestInput(BaseModel):
    """A company's interest; `company_id` may be left out when the person belongs to one company only."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company_id: int | None = Field(None, ge=1)
    message: str = Field("", max_length=2000)


class PairingInput(BaseModel):
    """The institution pairs the result with a company."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company_id: int = Field(ge=1)
    note: str = Field("", max_length=2000)


class EndPairingInput(BaseModel):
    """Ending a pairing needs a reason, shown in the history."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=2000)
