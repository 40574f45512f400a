"""What a person sends to sign up or sign in."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.accounts.models import Role

MAX_PASSWORD_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed, at most 128
MIN_PASSWORD_LENGTH = 12


class SignUpInput(BaseModel):
    """A new account and its profile."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(max_length=200)
    password_confirm: str = Field(max_length=200)
    display_name: str = Field(min_length=2, max_length=120)
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
    def _password(cls, value: str) -> str:
        if len(value) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères.")
        if len(value) > MAX_PASSWORD_LENGTH:
            raise ValueError(f"Le mot de passe doit comporter au plus {MAX_PASSWORD_LENGTH} caractères.")
        return value

    @field_validator("password_confirm")
    @classmethod
    def _confirm(cls, value: str, info: object) -> str:
        data = getattr(info, "data", {})
        if "password" in data and value != data["password"]:
            raise ValueError("Les deux mots de passe ne sont pas identiques.")
        return value

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
    password: str = Field(min_length=1, max_length=200)


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
