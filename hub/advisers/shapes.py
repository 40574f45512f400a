"""What an adviser's member may send: a dossier and its outcome (forms and API share these shapes)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from hub.advisers.models import Authority, Outcome
from hub.db import utcnow


def _check_decision(value: date | None, info: ValidationInfo) -> date | None:
    """A decided dossier has a decision date, not before filing nor in the future; a pending one has none."""
    outcome = info.data.get("outcome")
    filed_on = info.data.get("filed_on")
    if outcome == Outcome.PENDING and value is not None:
        raise ValueError("Un dossier en cours n’a pas encore de date de décision : laissez ce champ vide.")
    if outcome is not None and outcome != Outcome.PENDING and value is None:
        raise ValueError("Indiquez la date de la décision.")
    if value is not None and filed_on is not None and value < filed_on:
        raise ValueError("La décision ne peut pas précéder le dépôt du dossier.")
    if value is not None and value > utcnow().date():
        raise ValueError("La date de décision ne peut pas être dans le futur.")
    return value


class DossierInput(BaseModel):
    """A dossier filed with an authority; a decided outcome needs its decision date."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    authority: Authority
    outcome: Outcome
    filed_on: date
    decided_on: date | None = Field(None, validate_default=True)
    reference: str = Field("", max_length=100)

    @field_validator("filed_on")
    @classmethod
    def _filed(cls, value: date) -> date:
        if value > utcnow().date():
            raise ValueError("La date de dépôt ne peut pas être dans le futur.")
        return value

    _decided = field_validator("decided_on")(_check_decision)


class OutcomeInput(BaseModel):
    """A new outcome for a recorded dossier (typically: en cours -> décidé); `filed_on` is the stored one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filed_on: date
    outcome: Outcome
    decided_on: date | None = Field(None, validate_default=True)

    _decided = field_validator("decided_on")(_check_decision)
