"""The shipped open data parses into a consistent set of territories, sectors, actors and projects."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from seed.classify import is_health_related
from seed.records import ACTOR_KINDS, ACTOR_SOURCES, PARTNER_ROLES, PHASES, REGION_CODES
from seed.sources import (
    DATA_DIR,
    ActorRecord,
    ProjectRecord,
    TerritoryRecord,
    identifier_quality,
    iter_actors,
    iter_projects,
    iter_sectors,
    iter_territories,
)

HEALTH_DOMAINS = {
    "Biotechnologies et pharmacie",
    "Pharmacie, Sciences du vivant & Biotechnologies",
    "Pharmacie & biotechnologies",
    "Technologies médicales",
}


@pytest.fixture(scope="module")
def actors() -> list[ActorRecord]:
    return iter_actors()


@pytest.fixture(scope="module")
def projects() -> list[ProjectRecord]:
    return iter_projects()


@pytest.fixture(scope="module")
def territories() -> list[TerritoryRecord]:
    return iter_territories()


def test_all_regions_and_departements_with_outlines(territories: list[TerritoryRecord]) -> None:
    regions = [t for t in territories if t.level == "region"]
    departements = [t for t in territories if t.level == "departement"]
    assert {t.code for t in regions} == REGION_CODES
    assert len(departements) == 101
    assert {"2A", "2B", "971", "976", "75"} <= {t.code for t in departements}
    region_ids = {t.id for t in regions}
    assert all(t.parent_id in region_ids for t in departements)
    assert all(t.parent_id is None for t in regions)
    assert {t.zone for t in territories} == {"metro", "drom"}
    assert all(t.geometry["type"] in {"Polygon", "MultiPolygon"} for t in territories)
    paris = next(t for t in departements if t.code == "75")
    assert paris.parent_id == "reg-11"
    assert paris.name == "Paris"
    point = paris.geometry["coordinates"]
    while isinstance(point[0], list):
        point = point[0]
    lon, lat = point
    assert 2.2 < lon < 2.5
    assert 48.8 < lat < 48.95


def test_sector_vocabulary_is_well_formed() -> None:
    sectors = iter_sectors()
    codes = [s.code for s in sectors]
    assert len(codes) == len(set(codes))
    assert {s.family for s in sectors} == {"health", "technology"}
    assert {"cardio", "diabete", "ia", "telemedecine", "handicap", "sante_mentale"} <= set(codes)
    assert all(code.isascii() and code == code.lower() for code in codes)
    assert all(s.label and s.description for s in sectors)


def test_volume_is_enough_for_a_living_directory(actors: list[ActorRecord], projects: list[ProjectRecord]) -> None:
    assert len(actors) >= 1000
    assert len(projects) >= 1000
    kinds = Counter(a.kind for a in actors)
    assert kinds["company"] >= 500
    assert kinds["research_unit"] >= 300
    assert kinds["health_establishment"] >= 360
    assert kinds["grades"] >= 13
    assert kinds["competitiveness_cluster"] >= 6


def test_actor_keys_are_unique_and_vocabularies_respected(actors: list[ActorRecord]) -> None:
    keys = [(a.source, a.source_ref) for a in actors]
    assert len(keys) == len(set(keys))
    assert {a.source for a in actors} == set(ACTOR_SOURCES)
    assert {a.kind for a in actors} <= set(ACTOR_KINDS)
    assert all(set(a.phases) <= set(PHASES) for a in actors)
    assert not any(a.is_experimentation_volunteer for a in actors)
    assert all(a.name and a.name == a.name.strip() for a in actors)


def test_project_keys_are_unique(projects: list[ProjectRecord]) -> None:
    refs = [p.source_ref for p in projects]
    assert len(refs) == len(set(refs))
    assert {p.source for p in projects} == {"ilab"}
    assert {p.phase for p in projects} == {"conception", "development"}
    assert all(p.title and p.title == p.title.strip() for p in projects)


def test_every_carrier_and_partner_exists(actors: list[ActorRecord], projects: list[ProjectRecord]) -> None:
    keys = {(a.source, a.source_ref) for a in actors}
    carriers = [p.carrier for p in projects if p.carrier]
    assert len(carriers) > 1000
    assert all(c in keys for c in carriers)
    partners = [p for project in projects for p in project.partners]
    assert len(partners) > 500
    assert all((p.source, p.source_ref) in keys for p in partners)
    assert {p.role for p in partners} <= set(PARTNER_ROLES)


def test_sector_codes_exist(actors: list[ActorRecord], projects: list[ProjectRecord]) -> None:
    known = {s.code for s in iter_sectors()}
    used = {c for a in actors for c in a.sectors} | {c for p in projects for c in p.sectors}
    assert used <= known
    with_sector = sum(1 for p in projects if p.sectors)
    assert with_sector / len(projects) > 0.97


def test_region_and_departement_codes_are_real(
    actors: list[ActorRecord], projects: list[ProjectRecord], territories: list[TerritoryRecord]
) -> None:
    departements = {t.code: t.parent_id for t in territories if t.level == "departement"}
    for record in [*actors, *projects]:
        assert record.region_code is None or record.region_code in REGION_CODES
        if record.departement_code is not None:
            assert departements[record.departement_code] == f"reg-{record.region_code}"
    assert sum(1 for p in projects if p.region_code) > 1300  # only COM laureates (D987/D988) lack a region


def test_chu_sites_have_nine_character_finess_and_coordinates(actors: list[ActorRecord]) -> None:
    chu = [a for a in actors if a.source == "finess-chu"]
    assert len(chu) == 367
    assert all(a.finess == a.source_ref and len(a.source_ref) == 9 for a in chu)
    nice = next(a for a in chu if a.name == "CHU DE NICE HOPITAL SAINT ROCH")
    assert nice.finess == "060001450"  # the source file lost the leading zero
    assert nice.departement_code == "06"
    assert nice.region_code == "93"
    reunion = [a for a in chu if a.postcode and a.postcode.startswith("974")]
    assert reunion
    assert all(a.departement_code == "974" and a.region_code == "04" for a in reunion)
    assert all(a.latitude is not None and a.longitude is not None for a in chu)


def test_companies_carry_valid_sirens_and_their_projects_sectors(
    actors: list[ActorRecord], projects: list[ProjectRecord]
) -> None:
    companies = {a.source_ref: a for a in actors if a.source == "ilab-company"}
    assert all(a.siren == ref and len(ref) == 9 for ref, a in companies.items())
    for project in projects:
        if project.carrier and project.carrier[0] == "ilab-company":
            assert set(project.sectors) <= set(companies[project.carrier[1]].sectors)
    assert identifier_quality()["siren_invalid"] >= 1  # the file has a few bad SIRENs, dropped not kept


def test_curated_structures_are_sourced(actors: list[ActorRecord]) -> None:
    curated = [a for a in actors if a.source == "curated"]
    assert 40 <= len(curated) <= 80
    assert all(a.source_url and a.source_url.startswith("http") for a in curated)
    assert all(a.description for a in curated)
    national = [a for a in curated if a.region_code is None]
    assert {"ans", "has", "ansm", "cnil", "g-nius"} <= {a.source_ref for a in national}
    grades_regions = {a.region_code for a in curated if a.kind == "grades"}
    assert {"11", "44", "76", "93", "04"} <= grades_regions


def test_parsers_are_deterministic(actors: list[ActorRecord], projects: list[ProjectRecord]) -> None:
    assert iter_actors() == actors
    assert iter_projects() == projects
    assert iter_territories() == iter_territories()


def test_shipped_ilab_file_is_the_documented_health_subset() -> None:
    with (DATA_DIR / "ilab-laureats.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows[0]) == 23
    by_domain = [r for r in rows if r["Domaine technologique"] in HEALTH_DOMAINS]
    others = [r for r in rows if r["Domaine technologique"] not in HEALTH_DOMAINS]
    assert len(by_domain) == 1165
    assert others
    assert all(is_health_related(r["Moto"], r["Résumé"]) for r in others)
