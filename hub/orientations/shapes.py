"""What an orientation looks like when typed in the form or sent to the API, and a declaration of service."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_TITLE = 200
MAX_DESCRIPTION = 4000


class OrientationInput(BaseModel):
    """An orientation as an administrator publishes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=MAX_TITLE)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    sectors: list[str] = Field(default_factory=list, max_length=40)
    territories: list[str] = Field(default_factory=list, max_length=120, description="reg-75, dep-33...")
    starts_on: date
    ends_on: date | None = None

    @field_validator("ends_on")
    @classmethod
    def _dates_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts_on = info.data.get("starts_on")
        if value is not None and isinstance(starts_on, date) and value < starts_on:
            raise ValueError("La date de fin doit être postérieure ou égale à la date de début.")
        return value


class DeclarationInput(BaseModel):
    """The orientations a project or an actor serves (the whole list: it replaces the previous one)."""

    model_config = ConfigDict(extra="forbid")

    orientations: list[int] = Field(default_factory=list, max_length=100)
