"""What the OpenAPI schema documents: the JSON API under /api/ only, with its RFC 9457 error responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.openapi.datastructures import ResponseSpec


@dataclass
class ProblemField:
    """One field-level error of a refused request."""

    field: str
    message: str


@dataclass
class Problem:
    """RFC 9457 problem details, as every API error is returned (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = field(default_factory=list)


_ERRORS = {
    400: "Requête invalide : paramètre ou corps mal formé, valeur refusée (le détail nomme la règle).",
    401: "Connexion requise.",
    403: "Accès refusé : droits insuffisants ou jeton CSRF absent.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée.",
    409: "Conflit avec l’état actuel (déjà traité, doublon, clé d’idempotence réutilisée…).",
    413: "Contenu trop volumineux.",
    415: "Format non pris en charge.",
    422: "Données invalides : les erreurs par champ sont dans `errors`.",
    429: "Trop de requêtes : réessayez plus tard.",
    503: "Service momentanément indisponible : réessayez plus tard.",
}

PROBLEM_RESPONSES = {
    status: ResponseSpec(data_container=Problem, description=text, media_type="application/problem+json")
    for status, text in _ERRORS.items()
}


def document_api_only(handlers: list[Any]) -> list[Any]:
    """Keep HTML pages out of the schema; give every API operation the error responses it may return."""
    for handler in handlers:
        paths = getattr(handler, "paths", None)
        if paths is None:
            continue
        if any(path.startswith("/api/") for path in paths):
            handler.responses = {**PROBLEM_RESPONSES, **(handler.responses or {})}
        else:
            handler.include_in_schema = False
    return handlers
