"""What a person may send to create or edit an actor (forms and API share it)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from hub import identifiers
from hub.directory.models import ActorKind, ActorPhase


def check_website(value: str) -> str:
    """An http(s) address, or nothing."""
    if value and not re.fullmatch(r"https?://[^\s<>\"']{3,290}", value):
        raise ValueError("Saisissez une adresse web complète commençant par https://")
    return value


class ActorInput(BaseModel):
    """An actor as typed in the form or sent to the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    acronym: str = Field("", max_length=40)
    kind: ActorKind
    siren: str = Field("", max_length=20)
    siret: str = Field("", max_length=30)
    finess: str = Field("", max_length=20)
    rna: str = Field("", max_length=20)
    rnsr: str = Field("", max_length=20)
    ror: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    postcode: str = Field("", max_length=5)
    commune: str = Field("", max_length=100)
    departement: str = Field("", max_length=3, description="INSEE code of the département, e.g. 33 or 2A")
    sectors: list[str] = Field(default_factory=list, max_length=20)
    phases: list[ActorPhase] = Field(default_factory=list, max_length=4)
    is_experimentation_volunteer: bool = False
    experimentation_offer: str = Field("", max_length=2000)
    description: str = Field("", max_length=5000)
    website: str = Field("", max_length=300)

    _website = field_validator("website")(check_website)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{5}", value):
            raise ValueError("Le code postal comporte 5 chiffres.")
        return value

    @field_validator("siren")
    @classmethod
    def _siren(cls, value: str) -> str:
        return identifiers.normalise_siren(value) if value else ""

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return ""
        siret = identifiers.normalise_siret(value)
        siren = info.data.get("siren")
        if siren and not siret.startswith(siren):
            raise ValueError("Le SIRET doit commencer par le SIREN de la même entreprise.")
        return siret

    @field_validator("finess")
    @classmethod
    def _finess(cls, value: str) -> str:
        return identifiers.normalise_finess(value) if value else ""

    @field_validator("rna")
    @classmethod
    def _rna(cls, value: str) -> str:
        return identifiers.normalise_rna(value) if value else ""

    @field_validator("rnsr")
    @classmethod
    def _rnsr(cls, value: str) -> str:
        return identifiers.normalise_rnsr(value) if value else ""

    @field_validator("ror")
    @classmethod
    def _ror(cls, value: str) -> str:
        return identifiers.normalise_ror(value) if value else ""

    @field_validator("sectors", "phases")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))
