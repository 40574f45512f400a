"""What a member sends to raise an obstacle, and what a decision-maker sends to answer (forms and API share them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.feedback.models import AuthorCapacity, FeedbackCategory, FeedbackStatus

MAX_TITLE = 200
MAX_BODY = 4000
MAX_NOTE = 1000


class FeedbackInput(BaseModel):
    """A field feedback item: to which institution, what kind of obstacle, and its description."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    institution_id: int = Field(ge=1)
    category: FeedbackCategory
    author_capacity: AuthorCapacity
    title: str = Field(min_length=5, max_length=MAX_TITLE)
    body: str = Field(min_length=20, max_length=MAX_BODY)
    sector_code: str = Field("", max_length=32)
    departement: str = Field("", max_length=3, description="INSEE code of the département concerned, e.g. 33")
    show_author: bool = True


class AnswerInput(BaseModel):
    """A public answer from the institution."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=20, max_length=MAX_BODY)


class StatusInput(BaseModel):
    """A status change by the institution, with an optional note shown in the history."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: FeedbackStatus
    note: str = Field("", max_length=MAX_NOTE)
