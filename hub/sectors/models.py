"""The controlled vocabulary of sectors, in French with stable codes."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class SectorFamily(StrEnum):
    """A health domain (oncologie) or a technology domain (télémédecine)."""

    HEALTH = "health"
    TECHNOLOGY = "technology"


SECTOR_FAMILY_LABELS = {SectorFamily.HEALTH: "Domaine de santé", SectorFamily.TECHNOLOGY: "Technologie"}


class Sector(SQLModel, table=True):
    """One sector; `code` never changes once published (it is in URLs and exports)."""

    code: str = Field(primary_key=True, max_length=32)
    label: str = Field(max_length=80)
    family: SectorFamily = Field(sa_type=String(12))
    description: str = Field(default="", max_length=400)
