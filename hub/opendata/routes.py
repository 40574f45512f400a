"""Open data: the public catalogue as CSV, JSON and GeoJSON downloads (streamed), its dictionary, and its JSON listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Stream, Template

from hub.db import Database
from hub.errors import NotFound
from hub.opendata.datasets import (
    DATASETS,
    FORMATS,
    LICENCE_ID,
    LICENCE_NAME,
    LICENCE_URL,
    PRODUCER,
    Dataset,
)
from hub.opendata.formats import csv_chunks, geojson_chunks, json_chunks, tabular_fields
from hub.opendata.services import ROW_READERS, count_records
from hub.web import CurrentViewer, DbSession, in_thread, page

CATALOGUE_PATH = "/donnees-ouvertes"
DICTIONARY_PATH = "/donnees-ouvertes/dictionnaire"


def _base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


def _licence() -> dict[str, str]:
    return {"name": LICENCE_NAME, "id": LICENCE_ID, "url": LICENCE_URL}


def _metadata(dataset: Dataset, base_url: str) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "producer": PRODUCER,
        "licence": _licence(),
        "attribution": list(dataset.attribution),
        "excluded": dataset.excluded,
        "dictionary": f"{base_url}{DICTIONARY_PATH}#{dataset.name}",
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def _dataset_json(dataset: Dataset, base_url: str, count: int) -> dict[str, Any]:
    return _metadata(dataset, base_url) | {
        "record_count": count,
        "formats": [
            {"format": fmt, "media_type": media_type, "url": f"{base_url}{CATALOGUE_PATH}/{dataset.name}.{fmt}"}
            for fmt, (media_type, _) in FORMATS.items()
        ],
        "fields": [
            {"name": f.name, "type": f.type, "description": f.description, "example": f.example} for f in dataset.fields
        ],
    }


def _dataset(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        raise NotFound("Ce jeu de données n’existe pas.")
    return dataset


def _chunks(database: Database, dataset: Dataset, fmt: str, base_url: str) -> Iterator[bytes]:
    # Its own session, open while the response streams (the request's session closes when the handler returns).
    session = database.session()
    try:
        batches = ROW_READERS[dataset.name](session, base_url)
        if fmt == "csv":
            yield from csv_chunks(dataset, batches)
        elif fmt == "json":
            yield from json_chunks(dataset, _metadata(dataset, base_url), batches)
        else:
            yield from geojson_chunks(dataset, _metadata(dataset, base_url), batches)
    finally:
        session.close()


@get(CATALOGUE_PATH, name="opendata.catalogue")
@in_thread
def catalogue(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The open-data page: each dataset with its downloads, licence, sources and what is left out."""
    counts = count_records(db_session)
    return page(
        request,
        "opendata/catalogue.html",
        viewer,
        datasets=list(DATASETS.values()),
        counts=counts,
        formats=FORMATS,
        licence=_licence(),
    )


@get(DICTIONARY_PATH, name="opendata.dictionary", sync_to_thread=False)
def dictionary(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The data dictionary: each field of each dataset with its type, meaning and an example."""
    return page(
        request,
        "opendata/dictionary.html",
        viewer,
        datasets=list(DATASETS.values()),
        tabular={name: set(tabular_fields(d)) for name, d in DATASETS.items()},
    )


@get(f"{CATALOGUE_PATH}/{{filename:str}}", name="opendata.download", sync_to_thread=False)
def download(request: Request[Any, Any, Any], filename: FromPath[str]) -> Stream:
    """One dataset in one format, streamed, as an attachment named with today's date."""
    name, dot, fmt = filename.rpartition(".")
    if not dot or name not in DATASETS or fmt not in FORMATS:
        raise NotFound("Ce fichier n’existe pas : les fichiers sont listés sur la page des données ouvertes.")
    dataset = DATASETS[name]
    database: Database = request.app.state.database
    stamp = datetime.now(UTC).date().isoformat()
    return Stream(
        _chunks(database, dataset, fmt, _base_url(request)),
        media_type=FORMATS[fmt][0],
        headers={"Content-Disposition": f'attachment; filename="lab-esante-{dataset.name}-{stamp}.{fmt}"'},
    )


@get("/api/v1/open-data", name="api.opendata.list")
@in_thread
def api_datasets(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """The available datasets: licence, sources, record counts, download URLs and fields."""
    base_url = _base_url(request)
    counts = count_records(db_session)
    items = [_dataset_json(d, base_url, counts[d.name]) for d in DATASETS.values()]
    return {
        "licence": _licence(),
        "producer": PRODUCER,
        "dictionary": f"{base_url}{DICTIONARY_PATH}",
        "items": items,
        "total": len(items),
    }


@get("/api/v1/open-data/{name:str}", name="api.opendata.detail")
@in_thread
def api_dataset(request: Request[Any, Any, Any], name: FromPath[str], db_session: DbSession) -> dict[str, Any]:
    """One dataset's description and fields."""
    dataset = _dataset(name)
    return _dataset_json(dataset, _base_url(request), count_records(db_session)[dataset.name])


ROUTES: list[Any] = [catalogue, dictionary, download, api_datasets, api_dataset]
