"""What administrators and professionals may send about conventions and declarations (forms and API share it)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CAP_HOURS = 1_600  # about a full-time year: a cap above it is a typing error
MAX_APPROVERS = 20
MAX_DEPOSITORS = 2000


def _emails(value: object, *, required: bool = True, most: int = MAX_APPROVERS) -> list[str]:
    """E-mail addresses from a list or from text with one address per line (or separated by commas)."""
    if value is None and not required:
        return []
    if isinstance(value, str):
        value = value.replace(",", "\n").replace(";", "\n").splitlines()
    if not isinstance(value, list):
        raise ValueError("Indiquez des adresses e-mail, une par ligne.")
    emails = sorted({str(v).strip().lower() for v in value if str(v).strip()})
    if not emails and required:
        raise ValueError("Désignez au moins un valideur côté employeur.")
    if len(emails) > most:
        raise ValueError(f"Indiquez au plus {most} adresses.")
    for email in emails:
        if "@" not in email or len(email) > 254:
            raise ValueError(f"« {email[:60]} » n’est pas une adresse e-mail.")
    return emails


class ConventionTerms(BaseModel):
    """The terms an administrator may change: cap per person and period, the period, the expiry, the approvers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cap_hours: int = Field(ge=1, le=MAX_CAP_HOURS, description="most hours one person may deposit per period")
    period_days: int = Field(365, ge=1, le=3660)
    deposit_expiry_days: int = Field(30, ge=1, le=365)
    approver_emails: list[str]
    depositor_emails: list[str] = Field(
        default_factory=list, description="the only people who may deposit; empty: every employee of the employer"
    )

    @field_validator("approver_emails", mode="before")
    @classmethod
    def _approvers(cls, value: object) -> list[str]:
        return _emails(value)

    @field_validator("depositor_emails", mode="before")
    @classmethod
    def _depositors(cls, value: object) -> list[str]:
        return _emails(value, required=False, most=MAX_DEPOSITORS)


class ConventionInput(ConventionTerms):
    """A new convention between the lab and an employer of the directory (named by its address, its slug)."""

    title: str = Field(min_length=3, max_length=200)
    employer_slug: str = Field(min_length=1, max_length=120)


class ApproversInput(BaseModel):
    """The new list of a convention's approvers."""

    model_config = ConfigDict(extra="forbid")

    approver_emails: list[str]

    @field_validator("approver_emails", mode="before")
    @classmethod
    def _approvers(cls, value: object) -> list[str]:
        return _emails(value)


class DeclarationInput(BaseModel):
    """A public declaration of interests and the date until which it holds."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=10, max_length=5000)
    valid_until: date


class StakeRuleInput(BaseModel):
    """A project's conversion rule: stake units per hour used."""

    model_config = ConfigDict(extra="forbid")

    units_per_hour: int = Field(ge=1, le=1000)
