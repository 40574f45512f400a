"""What a person may send about places, meetings and registrations (forms and API share these shapes)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from hub.places.models import MeetingMode, PlaceKind

PARIS = ZoneInfo("Europe/Paris")
MAX_CAPACITY = 500  # the largest room a partner place would offer; an online session is capped the same way


class PlaceInput(BaseModel):
    """A physical place with its address; the département gives its territory."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    kind: PlaceKind
    address: str = Field(min_length=3, max_length=200)
    postcode: str = Field(max_length=5)
    commune: str = Field(min_length=1, max_length=100)
    departement: str = Field(min_length=1, max_length=3, description="INSEE code of the département, e.g. 33 or 2A")
    description: str = Field("", max_length=2000)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if not re.fullmatch(r"\d{5}", value):
            raise ValueError("Le code postal comporte 5 chiffres.")
        return value


class StaffInput(BaseModel):
    """Attach a member, by the e-mail address of their account, to a place."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)


class MeetingInput(BaseModel):
    """An exchange session; `starts_at` without a zone is read as Paris time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    description: str = Field("", max_length=4000)
    starts_at: datetime
    duration_minutes: int = Field(ge=15, le=600)
    mode: MeetingMode
    place_id: int | None = Field(None, ge=1, validate_default=True)
    online_url: str = Field("", max_length=300)
    capacity: int = Field(ge=1, le=MAX_CAPACITY)

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=PARIS) if value.tzinfo is None else value

    @field_validator("place_id")
    @classmethod
    def _place(cls, value: int | None, info: ValidationInfo) -> int | None:
        mode = info.data.get("mode")
        if mode == MeetingMode.IN_PLACE and value is None:
            raise ValueError("Choisissez le lieu de la rencontre.")
        if mode == MeetingMode.ONLINE and value is not None:
            raise ValueError("Une rencontre en ligne n’a pas de lieu : choisissez « Sur place » ou retirez le lieu.")
        return value

    @field_validator("online_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("Le lien doit commencer par https://.")
        return value


class GuestInput(BaseModel):
    """A person without an account, registered by the staff of a place with their consent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    guest_name: str = Field(min_length=2, max_length=120)
    guest_contact: str = Field(min_length=3, max_length=200, description="a telephone number or an e-mail address")
    consent: bool = Field(False, validate_default=True)

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "Cochez la case pour confirmer que la personne accepte que son nom et son contact soient enregistrés."
            )
        return value
