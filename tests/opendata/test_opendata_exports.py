"""The open-data exports through the real application: contents, left-out records, no personal data, structure."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.db import Database
from hub.directory.models import Actor, VerificationStatus
from hub.exchanges.models import IntroductionRequest, IntroductionStatus, Purpose, TargetKind
from hub.opendata.datasets import ACTORS, DATASETS, PROJECTS
from hub.opendata.formats import tabular_fields
from hub.opendata.services import actor_rows, count_records
from hub.projects.models import Project, ProjectStatus
from tests.factories import make_actor, make_project, make_viewer

MEMBER = "membre.export@example.fr"
SHARED_CONTACT = "contact.partage.secret@example.fr"


@dataclass(frozen=True)
class Catalogue:
    """What the export tests added: a listed actor with coordinates, a withdrawn one, and projects around them."""

    listed: int
    located: int
    withdrawn: int
    carried_by_withdrawn: int
    with_partners: int
    merged_slug: str
    merged: int
    withdrawn_project: int
    carried_by_located: int


def _add_catalogue(database: Database) -> Catalogue:
    with database.session() as session:
        viewer = make_viewer(session, MEMBER)
        listed = make_actor(session, viewer, name="Living lab export", departement="33", address="3 place de la Bourse")
        located = make_actor(session, viewer, name="Hôpital export", kind="health_establishment", departement="33")
        located.latitude, located.longitude = 44.8378, -0.5792
        withdrawn = make_actor(session, viewer, name="Acteur retiré export", kind="company", departement="33")
        withdrawn.verification_status = VerificationStatus.WITHDRAWN
        session.add_all([located, withdrawn])
        session.flush()
        ids = {a.name: a.id for a in (listed, located, withdrawn)}
        carried = make_project(session, viewer, title="Projet porté par un retiré", departement="33")
        carried.carrier_id = withdrawn.id
        partners = [{"actor_id": withdrawn.id}, {"actor_id": listed.id}]
        survivor = make_project(session, viewer, title="Projet export survivant", departement="33", partners=partners)
        merged = make_project(session, viewer, title="Projet export fusionné", departement="33")
        merged.status, merged.successor_id = ProjectStatus.MERGED, survivor.id
        gone = make_project(session, viewer, title="Projet export retiré", departement="33")
        gone.status = ProjectStatus.WITHDRAWN
        near = make_project(session, viewer, title="Projet porté par l’hôpital", region="75")
        near.carrier_id = located.id
        session.add_all([carried, merged, gone, near])
        session.add(
            IntroductionRequest(
                sender_id=viewer.account_id,
                sender_project_id=survivor.id,
                target_kind=TargetKind.ACTOR,
                target_id=int(listed.id or 0),
                purpose=Purpose.PARTNERSHIP,
                message="Bonjour",
                status=IntroductionStatus.ACCEPTED,
                shared_contact=SHARED_CONTACT,
            )
        )
        session.commit()
        return Catalogue(
            listed=int(ids["Living lab export"] or 0),
            located=int(ids["Hôpital export"] or 0),
            withdrawn=int(ids["Acteur retiré export"] or 0),
            carried_by_withdrawn=int(carried.id or 0),
            with_partners=int(survivor.id or 0),
            merged_slug=merged.slug,
            merged=int(merged.id or 0),
            withdrawn_project=int(gone.id or 0),
            carried_by_located=int(near.id or 0),
        )


def _counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        actors = session.exec(
            select(func.count())
            .select_from(Actor)
            .where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
        ).one()
        projects = session.exec(
            select(func.count()).select_from(Project).where(col(Project.status) == ProjectStatus.ACTIVE)
        ).one()
        return {"acteurs": int(actors), "projets": int(projects)}


def _download(client: TestClient[Litestar], name: str) -> tuple[str, dict[str, str]]:
    response = client.get(f"/donnees-ouvertes/{name}")
    assert response.status_code == 200, response.text[:500]
    return response.text, dict(response.headers)


@pytest.mark.parametrize("dataset", ["acteurs", "projets"])
def test_csv_has_the_dictionary_columns_and_one_row_per_listed_record(
    client: TestClient[Litestar], database: Database, dataset: str
) -> None:
    added = _add_catalogue(database)
    body, headers = _download(client, f"{dataset}.csv")
    today = datetime.now(UTC).date().isoformat()
    assert headers["content-disposition"] == f'attachment; filename="lab-esante-{dataset}-{today}.csv"'
    assert headers["content-type"].startswith("text/csv")
    assert "content-length" not in headers  # streamed, not built whole
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == tabular_fields(DATASETS[dataset])
    assert len(rows) == _counts(database)[dataset]
    ids = {int(row["id"]) for row in rows}
    if dataset == "acteurs":
        assert {added.listed, added.located} <= ids and added.withdrawn not in ids
        located = next(row for row in rows if int(row["id"]) == added.located)
        assert (located["latitude"], located["longitude"], located["departement"]) == ("44.8378", "-0.5792", "33")
    else:
        assert added.with_partners in ids
        assert added.merged not in ids and added.withdrawn_project not in ids
        survivor = next(row for row in rows if int(row["id"]) == added.with_partners)
        assert survivor["partner_ids"] == str(added.listed)  # the withdrawn partner is not cited
        assert survivor["replaces"] == added.merged_slug
        carried = next(row for row in rows if int(row["id"]) == added.carried_by_withdrawn)
        assert carried["carrier_id"] == "" and carried["carrier_name"] == ""


@pytest.mark.parametrize(
    "name", ["acteurs.csv", "acteurs.json", "acteurs.geojson", "projets.csv", "projets.json", "projets.geojson"]
)
def test_no_personal_data_leaves_in_any_file(client: TestClient[Litestar], database: Database, name: str) -> None:
    _add_catalogue(database)
    body, _ = _download(client, name)
    for secret in (MEMBER, SHARED_CONTACT, "Acteur retiré export", "Projet export retiré"):
        assert secret not in body
    header = body.splitlines()[0].lower()
    for personal in ("email", "account", "created_by", "member", "contact", "password"):
        assert personal not in header


def test_json_carries_licence_attribution_and_exactly_the_documented_keys(
    client: TestClient[Litestar], database: Database
) -> None:
    added = _add_catalogue(database)
    data = json.loads(_download(client, "projets.json")[0])
    assert data["licence"] == {
        "name": "Licence Ouverte / Open Licence version 2.0",
        "id": "etalab-2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    }
    assert any("MESR – Lauréats i-Lab" in line for line in data["attribution"])
    assert data["count"] == len(data["records"]) == _counts(database)["projets"]
    assert all(list(record) == tabular_fields(PROJECTS) for record in data["records"])
    survivor = next(r for r in data["records"] if r["id"] == added.with_partners)
    assert survivor["partner_ids"] == [added.listed] and survivor["replaces"] == [added.merged_slug]
    assert (
        survivor["departement"] == "33"
        and survivor["region"] == "75"
        and survivor["region_name"] == "Nouvelle-Aquitaine"
    )


def _check_feature(feature: dict[str, Any], fields: list[str]) -> None:
    assert feature["type"] == "Feature"
    assert list(feature["properties"]) == fields
    geometry = feature["geometry"]
    if geometry is None:
        assert feature["properties"]["position_source"] is None
        return
    assert geometry["type"] == "Point"
    lon, lat = geometry["coordinates"]
    assert isinstance(lon, float) and isinstance(lat, float)
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert feature["properties"]["position_source"] in {"adresse", "porteur", "departement", "region"}


@pytest.mark.parametrize("dataset", ["acteurs", "projets"])
def test_geojson_is_a_valid_feature_collection_of_points(
    client: TestClient[Litestar], database: Database, dataset: str
) -> None:
    added = _add_catalogue(database)
    body, headers = _download(client, f"{dataset}.geojson")
    assert headers["content-type"].startswith("application/geo+json")
    data = json.loads(body)
    assert data["type"] == "FeatureCollection" and data["licence"]["id"] == "etalab-2.0"
    features = data["features"]
    assert len(features) == _counts(database)[dataset]
    fields = DATASETS[dataset].field_names
    for feature in features:
        _check_feature(feature, fields)
    by_id = {f["id"]: f for f in features}
    if dataset == "acteurs":
        assert by_id[added.located]["geometry"]["coordinates"] == [-0.5792, 44.8378]
        assert by_id[added.located]["properties"]["position_source"] == "adresse"
        # No coordinates of its own: the centre of Gironde, an approximate point said to be one.
        lon, lat = by_id[added.listed]["geometry"]["coordinates"]
        assert by_id[added.listed]["properties"]["position_source"] == "departement"
        assert -1.3 < lon < 0.4 and 44.2 < lat < 45.6
    else:
        assert by_id[added.carried_by_located]["geometry"]["coordinates"] == [-0.5792, 44.8378]
        assert by_id[added.carried_by_located]["properties"]["position_source"] == "porteur"
        assert by_id[added.with_partners]["properties"]["position_source"] == "departement"


def test_the_reader_streams_batches_of_bounded_size(database: Database) -> None:
    with database.session() as session:
        batches = [len(batch) for batch in actor_rows(session, "https://hub.example", batch_size=100)]
        total = count_records(session)["acteurs"]
    assert len(batches) == -(-total // 100) and max(batches) == 100 and sum(batches) == total


def test_the_api_lists_the_datasets_with_working_downloads(client: TestClient[Litestar], database: Database) -> None:
    data = client.get("/api/v1/open-data").json()
    assert [item["name"] for item in data["items"]] == ["acteurs", "projets"]
    counts = _counts(database)
    for item in data["items"]:
        assert item["record_count"] == counts[item["name"]]
        assert [f["name"] for f in item["fields"]] == DATASETS[item["name"]].field_names
        assert all(set(f) == {"name", "type", "description", "example"} for f in item["fields"])
        assert [f["format"] for f in item["formats"]] == ["csv", "json", "geojson"]
        first = item["formats"][0]["url"].removeprefix("http://testserver.local")
        assert client.get(first).status_code == 200
    one = client.get("/api/v1/open-data/projets").json()
    assert one["name"] == "projets" and one["licence"]["id"] == "etalab-2.0"
    missing = client.get("/api/v1/open-data/inconnu")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path", ["/donnees-ouvertes/acteurs.xlsx", "/donnees-ouvertes/personnes.csv", "/donnees-ouvertes/acteurs"]
)
def test_an_unknown_file_is_a_404(client: TestClient[Litestar], path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_pages_link_the_files_the_dictionary_and_the_licence(client: TestClient[Litestar]) -> None:
    catalogue = client.get("/donnees-ouvertes").text
    for dataset in DATASETS:
        for fmt in ("csv", "json", "geojson"):
            assert f'href="/donnees-ouvertes/{dataset}.{fmt}"' in catalogue
    assert "Licence Ouverte / Open Licence version 2.0" in catalogue and "MESR – Lauréats i-Lab" in catalogue
    dictionary = client.get("/donnees-ouvertes/dictionnaire").text
    for dataset in (ACTORS, PROJECTS):
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in dictionary
    sources = client.get("/donnees").text
    assert 'href="/donnees-ouvertes"' in sources and 'href="/donnees-ouvertes/dictionnaire"' in sources
