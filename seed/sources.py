"""Readers of the open data shipped in seed/data: each returns plain records for the loader, nothing else."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from seed.classify import classify
from seed.identifiers import departement_from_postcode, normalise_finess
from seed.ilab import KIND_PHASES, IlabResult, parse_ilab
from seed.records import (
    ACTOR_KINDS,
    REGION_CODES,
    ActorRecord,
    PartnerRef,
    ProjectRecord,
    SectorRecord,
    TerritoryRecord,
)

__all__ = [
    "DATA_DIR",
    "ActorRecord",
    "PartnerRef",
    "ProjectRecord",
    "SectorRecord",
    "TerritoryRecord",
    "identifier_quality",
    "iter_actors",
    "iter_projects",
    "iter_sectors",
    "iter_territories",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
CHU_SOURCE_URL = "https://github.com/eurostat/basic-services"


def _read_json(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _read_csv(name: str, delimiter: str = ",") -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _departement_regions() -> dict[str, str]:
    """Département code → region code, for the 101 départements of the 18 regions."""
    return {d["code"]: d["region"] for d in _read_json("etalab-departements.json") if d["region"] in REGION_CODES}


def iter_territories() -> list[TerritoryRecord]:
    """The 18 regions then the 101 départements, with WGS84 outlines (overseas at their true position)."""
    regions = {r["code"]: r for r in _read_json("etalab-regions.json")}
    departements = {d["code"]: d for d in _read_json("etalab-departements.json")}
    records: list[TerritoryRecord] = []
    region_shapes = _read_json("regions-avec-outre-mer-simplifie.geojson")["features"]
    for feature in sorted(region_shapes, key=lambda f: f["properties"]["code"]):
        code = feature["properties"]["code"]
        meta = regions[code]
        records.append(
            TerritoryRecord(
                id=f"reg-{code}",
                level="region",
                code=code,
                name=meta["nom"],
                parent_id=None,
                zone=meta["zone"],
                geometry=feature["geometry"],
            )
        )
    departement_shapes = _read_json("departements-avec-outre-mer-simplifie.geojson")["features"]
    for feature in sorted(departement_shapes, key=lambda f: f["properties"]["code"]):
        code = feature["properties"]["code"]
        meta = departements[code]
        records.append(
            TerritoryRecord(
                id=f"dep-{code}",
                level="departement",
                code=code,
                name=meta["nom"],
                parent_id=f"reg-{meta['region']}",
                zone=meta["zone"],
                geometry=feature["geometry"],
            )
        )
    return records


def iter_sectors() -> list[SectorRecord]:
    """The sector vocabulary (health domains and technologies) from sectors.csv."""
    return [
        SectorRecord(
            code=r["code"].strip(),
            label=r["label"].strip(),
            family=r["family"].strip(),
            description=r["description"].strip(),
        )
        for r in _read_csv("sectors.csv")
    ]


def _ilab() -> IlabResult:
    return parse_ilab(_read_csv("ilab-laureats.csv", delimiter=";"))


def _chu_actors() -> list[ActorRecord]:
    """The sites of the university and regional hospitals (CHU/CHR) from FINESS via Eurostat GISCO."""
    regions = _departement_regions()
    actors: list[ActorRecord] = []
    for row in _read_csv("chu-chr-sites.csv"):
        finess = normalise_finess(row["id"])
        if finess is None:
            continue
        name = row["hospital_name"].strip()
        site = _optional(row["site_name"])
        if site and site not in name:
            name = f"{name} – {site}"
        postcode = _optional(row["postcode"])
        departement = departement_from_postcode(postcode)
        address = " ".join(p for p in (row["house_number"].strip(), row["street"].strip()) if p) or None
        actors.append(
            ActorRecord(
                source="finess-chu",
                source_ref=finess,
                name=name,
                kind="health_establishment",
                siren=None,
                siret=None,
                finess=finess,
                rna=None,
                rnsr=None,
                ror=None,
                address=address,
                postcode=postcode,
                commune=_optional(row["city"]),
                departement_code=departement,
                region_code=regions.get(departement or ""),
                latitude=float(row["lat"]),
                longitude=float(row["lon"]),
                sectors=classify([name]),
                phases=KIND_PHASES["health_establishment"],
                is_experimentation_volunteer=False,
                experimentation_offer=None,
                description="Site d'un centre hospitalier universitaire ou régional (CHU/CHR), établissement public.",
                website=_optional(row["url"]),
                source_url=CHU_SOURCE_URL,
            )
        )
    return sorted(actors, key=lambda a: a.source_ref)


def slugify(text: str) -> str:
    """Stable ASCII identifier for a curated organisation ("Agence du numérique en santé" → "agence-du-...")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _curated_actors() -> list[ActorRecord]:
    """Hand-verified national bodies, clusters, GRADeS and innovation places from structures.csv."""
    actors: list[ActorRecord] = []
    for row in _read_csv("structures.csv"):
        kind = row["kind"].strip()
        if kind not in ACTOR_KINDS:
            raise ValueError(f"structures.csv: unknown kind {kind!r} for {row['name']!r}")
        acronym = _optional(row["acronym"])
        name = row["name"].strip()
        region = _optional(row["region_code"])
        description = _optional(row["description"])
        actors.append(
            ActorRecord(
                source="curated",
                source_ref=slugify(f"{acronym} {region or ''}" if acronym else name),
                name=name,
                kind=kind,
                siren=None,
                siret=None,
                finess=None,
                rna=None,
                rnsr=None,
                ror=None,
                address=None,
                postcode=None,
                commune=_optional(row["commune"]),
                departement_code=None,
                region_code=region,
                latitude=None,
                longitude=None,
                sectors=classify([name, description]),
                phases=KIND_PHASES.get(kind, ()),
                is_experimentation_volunteer=False,
                experimentation_offer=None,
                description=description,
                website=_optional(row["website"]),
                source_url=_optional(row["source_url"]),
            )
        )
    return actors


def iter_actors() -> list[ActorRecord]:
    """All seeded actors: i-Lab companies, labs and structures, CHU/CHR sites, then curated organisations."""
    return [*_ilab().actors, *_chu_actors(), *_curated_actors()]


def iter_projects() -> list[ProjectRecord]:
    """The health-related i-Lab laureate projects, each pointing at actors returned by iter_actors()."""
    return _ilab().projects


def identifier_quality() -> dict[str, int]:
    """How many identifiers the i-Lab file had to drop or repair (invalid SIREN/SIRET, missing ids...)."""
    counts: Counter[str] = _ilab().quality
    return dict(sorted(counts.items()))
