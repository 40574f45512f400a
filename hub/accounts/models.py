"""Accounts, roles, server-side sessions, login attempts and people's profiles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class Role(StrEnum):
    """What an account may do; an account holds one or more roles."""

    MEMBER = "member"
    HEALTH_PROFESSIONAL = "health_professional"
    PATIENT_REPRESENTATIVE = "patient_representative"
    REFERENT = "referent"
    DECISION_MAKER = "decision_maker"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.MEMBER: "Membre",
    Role.HEALTH_PROFESSIONAL: "Professionnel de santé",
    Role.PATIENT_REPRESENTATIVE: "Représentant de patients ou d’usagers",
    Role.REFERENT: "Référent sectoriel",
    Role.DECISION_MAKER: "Décideur public",
    Role.ADMIN: "Administrateur",
}

# Roles a person may choose at sign-up; referents are designated by an administrator (/administration/referents),
# administrators and decision-makers from the command line (`hub accounts grant`).
SELF_SERVICE_ROLES = (Role.MEMBER, Role.HEALTH_PROFESSIONAL, Role.PATIENT_REPRESENTATIVE)


class Account(SQLModel, table=True):
    """A sign-in identity: e-mail (lower-cased) and an argon2id password hash."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    password_hash: str = Field(max_length=200)
    is_active: bool = Field(default=True)
    is_demo: bool = Field(default=False, description="a fictional demo account created by the seed")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountRole(SQLModel, table=True):
    """One role held by one account."""

    __tablename__ = "account_role"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    role: Role = Field(primary_key=True, sa_type=String(32))


class Person(SQLModel, table=True):
    """The profile of an account holder; only the fields they make public are shown to others."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True)
    display_name: str = Field(max_length=120)
    profession: str = Field(default="", max_length=120, description="profession or function")
    organisation_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    bio: str = Field(default="", max_length=2000)
    is_public: bool = Field(default=False, description="whether the profile appears in the directory")
    show_profession: bool = Field(default=True)
    show_organisation: bool = Field(default=True)


class UserSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, kept a short while for throttling (per account and per address)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, max_length=300, description="'email:<address>' or 'ip:<address>'")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
