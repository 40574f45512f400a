"""The pure pieces of the open-data exports: territory centres and the three file writers."""

from __future__ import annotations

import csv
import io
import json

from hub.opendata.datasets import DATASETS, FieldDoc
from hub.opendata.formats import Position, csv_chunks, geojson_chunks, json_chunks, tabular_fields
from hub.opendata.geo import centroid

SQUARE = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]


def test_centroid_of_a_square_is_its_centre() -> None:
    assert centroid({"type": "Polygon", "coordinates": [SQUARE]}) == (1.0, 1.0)


def test_centroid_follows_the_largest_polygon_not_the_islands() -> None:
    island = [[10.0, 10.0], [10.1, 10.0], [10.1, 10.1], [10.0, 10.0]]
    assert centroid({"type": "MultiPolygon", "coordinates": [[island], [SQUARE]]}) == (1.0, 1.0)


def test_no_geometry_no_centroid() -> None:
    assert centroid(None) is None
    assert centroid({"type": "Point", "coordinates": [1, 2]}) is None
    assert centroid({"type": "Polygon", "coordinates": []}) is None


def test_every_dataset_field_is_documented_with_an_example() -> None:
    for dataset in DATASETS.values():
        names = dataset.field_names
        assert len(names) == len(set(names))
        for field in dataset.fields:
            assert isinstance(field, FieldDoc) and field.type and field.description and field.example


DATASET = DATASETS["acteurs"]


def _record(identifier: int, **values: object) -> dict[str, object]:
    record: dict[str, object] = dict.fromkeys(tabular_fields(DATASET))
    record |= {"id": identifier, "name": f"Acteur, n°{identifier}", "sectors": ["cardio", "ia"], "is_claimed": False}
    record |= values
    return record


BATCHES = [
    [(_record(1), Position(-0.5, 44.8, "adresse")), (_record(2), None)],
    [(_record(3, description="ligne 1\nligne 2"), Position(2.35, 48.85, "region"))],
]


def test_csv_writes_lists_booleans_and_empty_values_plainly() -> None:
    chunks = list(csv_chunks(DATASET, BATCHES))
    assert len(chunks) == 3  # the header, then one chunk per batch
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["sectors"] == "cardio|ia" and rows[0]["is_claimed"] == "false" and rows[0]["siren"] == ""
    assert rows[2]["description"] == "ligne 1\nligne 2" and rows[0]["name"] == "Acteur, n°1"
    assert "position_source" not in rows[0]


def test_json_and_geojson_are_complete_documents() -> None:
    data = json.loads(b"".join(json_chunks(DATASET, {"name": "acteurs"}, BATCHES)))
    assert data["name"] == "acteurs" and data["count"] == 3
    assert [r["id"] for r in data["records"]] == [1, 2, 3] and data["records"][0]["sectors"] == ["cardio", "ia"]
    geo = json.loads(b"".join(geojson_chunks(DATASET, {"name": "acteurs"}, BATCHES)))
    assert geo["type"] == "FeatureCollection"
    assert [f["geometry"] for f in geo["features"]] == [
        {"type": "Point", "coordinates": [-0.5, 44.8]},
        None,
        {"type": "Point", "coordinates": [2.35, 48.85]},
    ]
    assert [f["properties"]["position_source"] for f in geo["features"]] == ["adresse", None, "region"]


def test_empty_exports_are_still_valid() -> None:
    assert json.loads(b"".join(json_chunks(DATASET, {}, [])))["records"] == []
    assert json.loads(b"".join(geojson_chunks(DATASET, {}, [])))["features"] == []
    assert b"".join(csv_chunks(DATASET, [])).decode().startswith("id,slug,url,")
