"""Writers for the open-data files: CSV, JSON and GeoJSON, produced chunk by chunk from batches of records.

Pure: batches in, UTF-8 chunks out. Nothing is accumulated beyond one batch, so a file of any size
streams in constant memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from hub.opendata.datasets import Dataset

GEOJSON_ONLY = frozenset({"position_source"})
LIST_SEPARATOR = "|"


class Position(NamedTuple):
    """Where a record is drawn on a map (WGS 84), and where that point comes from."""

    longitude: float
    latitude: float
    source: str  # adresse, porteur, departement, region


Row = tuple[dict[str, Any], Position | None]


def tabular_fields(dataset: Dataset) -> list[str]:
    """The CSV columns and JSON keys, in dictionary order."""
    return [name for name in dataset.field_names if name not in GEOJSON_ONLY]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def csv_chunks(dataset: Dataset, batches: Iterable[list[Row]]) -> Iterator[bytes]:
    """A header row, then one chunk per batch (RFC 4180, comma, CRLF, UTF-8)."""
    fields = tabular_fields(dataset)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    yield buffer.getvalue().encode()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for record, _ in batch:
            writer.writerow([_cell(record.get(name)) for name in fields])
        yield buffer.getvalue().encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _open_object(members: dict[str, Any], array: str) -> bytes:
    # The object's members, then the opening of the array streamed after them.
    inner = _dumps(members)[1:-1]
    return ("{" + (inner + "," if inner else "") + _dumps(array) + ":[").encode()


def json_chunks(dataset: Dataset, metadata: dict[str, Any], batches: Iterable[list[Row]]) -> Iterator[bytes]:
    """One JSON object: the metadata, then `records` (streamed), then `count`."""
    fields = tabular_fields(dataset)
    yield _open_object(metadata, "records")
    count = 0
    for batch in batches:
        parts = []
        for record, _ in batch:
            parts.append(("," if count else "") + "\n" + _dumps({name: record.get(name) for name in fields}))
            count += 1
        yield "".join(parts).encode()
    yield f'\n],"count":{count}}}\n'.encode()


def geojson_chunks(dataset: Dataset, metadata: dict[str, Any], batches: Iterable[list[Row]]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946): one Point feature per record, a null geometry when no position is known.

    The metadata (licence, attribution) are foreign members of the collection, which RFC 7946 allows.
    """
    fields = tabular_fields(dataset)
    head = {"type": "FeatureCollection", **metadata}
    yield _open_object(head, "features")
    count = 0
    for batch in batches:
        parts = []
        for record, position in batch:
            properties = {name: record.get(name) for name in fields}
            properties["position_source"] = position.source if position else None
            geometry = (
                {"type": "Point", "coordinates": [round(position.longitude, 6), round(position.latitude, 6)]}
                if position
                else None
            )
            feature = {"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties}
            parts.append(("," if count else "") + "\n" + _dumps(feature))
            count += 1
        yield "".join(parts).encode()
    yield b"\n]}\n"
