"""What the hub indexes: one plain-dict schema for projects, actors and people, and its facets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Required, TypedDict

from search.errors import InvalidDocument


class SearchDocument(TypedDict, total=False):
    """One searchable record; `id` is "<kind>:<primary key>", e.g. "project:12"."""

    id: Required[str]
    kind: Required[str]
    title: Required[str]
    summary: str
    description: str
    url: str
    sectors: list[str]
    region: str | None
    departement: str | None
    phase: list[str]
    needs: list[str]
    is_experimentation_volunteer: bool


# Facet name (as used in filters and counts) -> document field. New kinds reuse these fields.
FACET_FIELDS: dict[str, str] = {
    "kind": "kind",
    "sector": "sectors",
    "region": "region",
    "departement": "departement",
    "phase": "phase",
    "needs": "needs",
    "volunteer": "is_experimentation_volunteer",
}
MULTI_VALUED_FACETS = frozenset({"sector", "phase", "needs"})
TEXT_FIELDS = ("title", "summary", "description")

_KIND = re.compile(r"^[a-z][a-z_]{0,30}$")
_MAX_TEXT_CHARS = 20_000


def normalize_document(raw: Mapping[str, object]) -> SearchDocument:
    """Check a raw mapping against the schema and return a clean document (lists, strings, bools)."""
    doc_id, kind, title = raw.get("id"), raw.get("kind"), raw.get("title")
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise InvalidDocument(f"Type de fiche invalide : {kind!r}")
    if not isinstance(doc_id, str) or not doc_id.startswith(kind + ":") or len(doc_id) > 100:
        raise InvalidDocument(f"Identifiant invalide : {doc_id!r} (attendu « {kind}:<numéro> »)")
    if not isinstance(title, str) or not title.strip():
        raise InvalidDocument(f"La fiche {doc_id} n'a pas de titre")
    doc: SearchDocument = {"id": doc_id, "kind": kind, "title": title.strip()[:500]}
    for field in ("summary", "description", "url"):
        value = raw.get(field) or ""
        if not isinstance(value, str):
            raise InvalidDocument(f"Le champ {field} de {doc_id} doit être un texte")
        doc[field] = value[:_MAX_TEXT_CHARS]
    for field in ("sectors", "phase", "needs"):
        doc[field] = _string_list(raw.get(field), field, doc_id)  # type: ignore[literal-required]
    for field in ("region", "departement"):
        value = raw.get(field)
        if value is not None and not isinstance(value, str | int):
            raise InvalidDocument(f"Le champ {field} de {doc_id} doit être un code")
        doc[field] = str(value) if value not in (None, "") else None  # type: ignore[literal-required]
    doc["is_experimentation_volunteer"] = bool(raw.get("is_experimentation_volunteer", False))
    return doc


def _string_list(value: object, field: str, doc_id: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise InvalidDocument(f"Le champ {field} de {doc_id} doit être une liste")
    return sorted({text for text in map(str, value) if text})


def facet_values(doc: SearchDocument) -> dict[str, list[str]]:
    """The facet values of a document as strings (booleans become "true"/"false", as Meilisearch reports them)."""
    out: dict[str, list[str]] = {}
    for facet, field in FACET_FIELDS.items():
        value = doc.get(field)
        if isinstance(value, bool):
            out[facet] = ["true" if value else "false"]
        elif isinstance(value, list):
            out[facet] = [str(v) for v in value]
        elif value is None or value == "":
            out[facet] = []
        else:
            out[facet] = [str(value)]
    return out
