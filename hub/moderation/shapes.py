"""What a member sends to report something and what a moderator sends to decide (forms and API share them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.moderation.models import ReportReason

MAX_DETAILS = 2000
MAX_REASON = 1000


class ReportInput(BaseModel):
    """A report: which content, why, and a few words of explanation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target_type: str = Field(min_length=1, max_length=32)
    target_id: int = Field(ge=1)
    reason: ReportReason
    details: str = Field(min_length=10, max_length=MAX_DETAILS)


class ReportDecisionInput(BaseModel):
    """A moderator upholds or dismisses a report, with the reason the reporter will read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: str = Field(pattern="^(upheld|dismissed)$")
    reason: str = Field(min_length=5, max_length=MAX_REASON)
    hide_content: bool = False


class VisibilityInput(BaseModel):
    """A moderator hides a content (or shows it again), with a logged reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target_type: str = Field(min_length=1, max_length=32)
    target_id: int = Field(ge=1)
    action: str = Field(pattern="^(hide|show)$")
    reason: str = Field(min_length=5, max_length=MAX_REASON)
