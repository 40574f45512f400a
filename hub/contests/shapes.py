"""What the lab sends to set up an event, what people send to submit, score and answer (forms and API alike)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.contests.models import MAX_SCORE, Criterion, EventKind, FollowUp, Resource

MAX_WEIGHT = 10


class ResourceInput(BaseModel):
    """A resource the event can allocate, with details (how many hours, how much funding, which site)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Resource
    details: str = Field("", max_length=300)


class EventInput(BaseModel):
    """A workshop or a contest as the lab states it upfront."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: EventKind
    title: str = Field(min_length=5, max_length=200)
    description: str = Field(min_length=20, max_length=5000)
    location: str = Field("", max_length=300)
    starts_on: date
    ends_on: date
    registration_closes_on: date
    submission_closes_on: date | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    weights: dict[Criterion, int]
    resources: list[ResourceInput] = Field(default_factory=list, max_length=len(Resource))
    need_ids: list[int] = Field(default_factory=list, max_length=50)

    @field_validator("weights")
    @classmethod
    def _grid(cls, value: dict[Criterion, int]) -> dict[Criterion, int]:
        missing = [c for c in Criterion if c not in value]
        if missing:
            raise ValueError("Donnez un poids à chaque critère de la grille.")
        if any(not 0 <= w <= MAX_WEIGHT for w in value.values()):
            raise ValueError(f"Chaque poids va de 0 à {MAX_WEIGHT}.")
        if not any(value.values()):
            raise ValueError("Au moins un critère doit avoir un poids supérieur à 0.")
        return value

    @field_validator("resources")
    @classmethod
    def _unique_resources(cls, value: list[ResourceInput]) -> list[ResourceInput]:
        kinds = [r.kind for r in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError("Chaque ressource n’est indiquée qu’une fois.")
        return value


class SubmissionInput(BaseModel):
    """A project submitted to a contest."""

    model_config = ConfigDict(extra="forbid")

    project_id: int = Field(ge=1)


class ScoreInput(BaseModel):
    """A jury member's scores (0 to 5 per criterion) with an optional comment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    values: dict[Criterion, int]
    comment: str = Field("", max_length=2000)

    @field_validator("values")
    @classmethod
    def _every_criterion(cls, value: dict[Criterion, int]) -> dict[Criterion, int]:
        if [c for c in Criterion if c not in value]:
            raise ValueError("Notez chaque critère de la grille.")
        if any(not 0 <= v <= MAX_SCORE for v in value.values()):
            raise ValueError(f"Chaque note va de 0 à {MAX_SCORE}.")
        return value


class JuryInput(BaseModel):
    """An administrator appoints a person to the jury, by e-mail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)


class FollowUpInput(BaseModel):
    """The public follow-up of one submission: a status, the reason (always), and the resources allocated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    follow_up: FollowUp
    reason: str = Field(min_length=10, max_length=2000)
    allocated: list[Resource] = Field(default_factory=list, max_length=len(Resource))
