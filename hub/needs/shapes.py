"""What a person may send to raise, comment or qualify a need (forms and API share these shapes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.needs.models import AffectedGroup, NeedStatus

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_COMMENT = 2000
MAX_REASON = 2000


class NeedInput(BaseModel):
    """A need as typed in the form or sent to the API; `territory` is 'dep-33', 'reg-75' or '' (national)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=5, max_length=MAX_TITLE)
    description: str = Field(min_length=20, max_length=MAX_DESCRIPTION)
    sectors: list[str] = Field(default_factory=list, max_length=10)
    affected: list[AffectedGroup] = Field(default_factory=list, max_length=len(AffectedGroup))
    territory: str = Field("", max_length=12)

    @field_validator("sectors")
    @classmethod
    def _some_sector(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("Choisissez au moins un secteur.")
        return list(dict.fromkeys(value))

    @field_validator("affected")
    @classmethod
    def _someone(cls, value: list[AffectedGroup]) -> list[AffectedGroup]:
        if not value:
            raise ValueError("Indiquez qui est concerné : patients, professionnels, établissements…")
        return list(dict.fromkeys(value))


class CommentInput(BaseModel):
    """A plain-text comment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=2, max_length=MAX_COMMENT)


class QualificationInput(BaseModel):
    """A referent's qualification: duplicate (of `duplicate_of`), out of scope (with a reason), taken up."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: NeedStatus
    duplicate_of: int | None = Field(None, ge=1)
    reason: str = Field("", max_length=MAX_REASON)


class AnswerInput(BaseModel):
    """A project declares it answers a need."""

    model_config = ConfigDict(extra="forbid")

    need_id: int = Field(ge=1)
