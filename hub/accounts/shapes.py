"""What a person sends to sign up, sign in or change their password."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from hub.accounts.models import Role
from hub.accounts.passwords import estimate, person_words, refusal

MAX_PASSWORD_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed, at most 128
MIN_PASSWORD_LENGTH = 12

# A password is kept exactly as typed, leading and trailing spaces included (ASVS 2.1.3), although the models
# strip the other text fields. The bound here only stops huge bodies; the 128 limit is checked with a message.
Password = Annotated[str, StringConstraints(strip_whitespace=False), Field(max_length=200)]


def length_problem(value: str) -> str:
    """The French message for a new password too short or too long, or "" (the forms and the strength meter)."""
    if len(value) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
    if len(value) > MAX_PASSWORD_LENGTH:
        return f"Le mot de passe doit comporter au plus {MAX_PASSWORD_LENGTH} caractères."
    return ""


def check_new_password(value: str, info: ValidationInfo) -> str:
    """The rules of a new password (sign-up and password change), with their French messages.

    Its length, then how guessable it is (ASVS 2.1.7): common and breached passwords, the person's own words (the
    e-mail and name validated before it, or `words` in the validation context) and the service's are refused.
    """
    if problem := length_problem(value):
        raise ValueError(problem)
    given = [str(info.data[name]) for name in ("email", "display_name") if info.data.get(name)]
    context = info.context if isinstance(info.context, dict) else {}
    strength = estimate(value, person_words(*given, *context.get("words", ())))
    if not strength.acceptable:
        raise ValueError(refusal(strength))
    return value


def check_confirmation(value: str, info: ValidationInfo, field: str) -> str:
    """The confirmation must repeat the password of `field`."""
    if field in info.data and value != info.data[field]:
        raise ValueError("Les deux mots de passe ne sont pas identiques.")
    return value


class SignUpInput(BaseModel):
    """A new account and its profile."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=2, max_length=120)  # before the password, which must not contain it
    password: Password
    password_confirm: Password
    profession: str = Field("", max_length=120)
    role: Role = Role.MEMBER
    is_public: bool = False

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.lower()
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", value):
            raise ValueError("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        return check_new_password(value, info)

    @field_validator("password_confirm")
    @classmethod
    def _confirm(cls, value: str, info: ValidationInfo) -> str:
        return check_confirmation(value, info, "password")

    @field_validator("role")
    @classmethod
    def _self_service(cls, value: Role) -> Role:
        from hub.accounts.models import SELF_SERVICE_ROLES

        if value not in SELF_SERVICE_ROLES:
            raise ValueError("Ce rôle est attribué par un administrateur.")
        return value


class LoginInput(BaseModel):
    """E-mail and password."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=1, max_length=254)
    password: Annotated[Password, Field(min_length=1)]


class PasswordChangeInput(BaseModel):
    """The current password, and the new one typed twice."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[Password, Field(min_length=1)]
    new_password: Password
    new_password_confirm: Password

    @field_validator("new_password")
    @classmethod
    def _new_password(cls, value: str, info: ValidationInfo) -> str:
        return check_new_password(value, info)

    @field_validator("new_password_confirm")
    @classmethod
    def _confirm(cls, value: str, info: ValidationInfo) -> str:
        return check_confirmation(value, info, "new_password")


class StrengthInput(BaseModel):
    """A password being typed, and the words of the person typing it (sign-up: not yet an account)."""

    model_config = ConfigDict(extra="forbid")

    password: Password
    email: str = Field("", max_length=254)
    display_name: str = Field("", max_length=120)


class ProfileInput(BaseModel):
    """What a person may change in their profile, and what they make public."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str = Field(min_length=2, max_length=120)
    profession: str = Field("", max_length=120)
    organisation_id: int | None = Field(None, ge=1)
    bio: str = Field("", max_length=2000)
    is_public: bool = False
    show_profession: bool = True
    show_organisation: bool = True
