"""Plain records the seed parsers produce: territories, sectors, actors and projects, ready for the loader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTOR_SOURCES = ("ilab-company", "ilab-research-unit", "ilab-structure", "finess-chu", "curated")
ACTOR_KINDS = (
    "innovation_centre",
    "living_lab",
    "incubator",
    "public_support",
    "competitiveness_cluster",
    "grades",
    "company",
    "health_establishment",
    "research_unit",
    "university",
    "patient_organisation",
    "professional_body",
    "public_body",
    "funder",
)
PHASES = ("conception", "experimentation", "development", "deployment")
PARTNER_ROLES = ("recherche", "accompagnement", "etablissement", "industriel")
# INSEE codes of the 18 regions (13 in mainland France, 5 overseas départements-régions).
REGION_CODES = frozenset(
    {
        "01",
        "02",
        "03",
        "04",
        "06",
        "11",
        "24",
        "27",
        "28",
        "32",
        "44",
        "52",
        "53",
        "75",
        "76",
        "84",
        "93",
        "94",
    }
)


@dataclass(frozen=True)
class TerritoryRecord:
    """A region or département with its outline, for the map and for filtering."""

    id: str
    level: str
    code: str
    name: str
    parent_id: str | None
    zone: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class SectorRecord:
    """One entry of the sector vocabulary: a health domain or a technology."""

    code: str
    label: str
    family: str
    description: str


@dataclass(frozen=True)
class ActorRecord:
    """An organisation of the e-health ecosystem as found in one open source."""

    source: str
    source_ref: str
    name: str
    kind: str
    siren: str | None
    siret: str | None
    finess: str | None
    rna: str | None
    rnsr: str | None
    ror: str | None
    address: str | None
    postcode: str | None
    commune: str | None
    departement_code: str | None
    region_code: str | None
    latitude: float | None
    longitude: float | None
    sectors: tuple[str, ...]
    phases: tuple[str, ...]
    is_experimentation_volunteer: bool
    experimentation_offer: str | None
    description: str | None
    website: str | None
    source_url: str | None


@dataclass(frozen=True)
class PartnerRef:
    """A link from a project to an actor, with the actor's role in French-neutral code."""

    source: str
    source_ref: str
    role: str


@dataclass(frozen=True)
class ProjectRecord:
    """An innovation project (an i-Lab laureate) with its carrier, partners and sectors."""

    source: str
    source_ref: str
    title: str
    summary: str | None
    description: str | None
    carrier: tuple[str, str] | None
    partners: tuple[PartnerRef, ...]
    sectors: tuple[str, ...]
    phase: str
    region_code: str | None
    departement_code: str | None
    year: int | None
    source_url: str | None
