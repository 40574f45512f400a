"""Régions and départements (INSEE codes) with the geometry the map is drawn from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel


class TerritoryLevel(StrEnum):
    """The two administrative levels the hub works with."""

    REGION = "region"
    DEPARTEMENT = "departement"


class Territory(SQLModel, table=True):
    """A région or a département; `id` is `reg-<INSEE>` or `dep-<INSEE>` because the codes overlap."""

    id: str = Field(primary_key=True, max_length=12)
    level: TerritoryLevel = Field(index=True, sa_type=String(12))
    code: str = Field(max_length=3)
    name: str = Field(max_length=80)
    parent_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    zone: str = Field(max_length=8, description="metro or drom")
    geometry: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


def region_id(code: str) -> str:
    """The territory id of the région with INSEE code `code`."""
    return f"reg-{code}"


def departement_id(code: str) -> str:
    """The territory id of the département with INSEE code `code`."""
    return f"dep-{code}"
