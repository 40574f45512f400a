"""Turning pydantic validation errors into one French message per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hub.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ est obligatoire ou trop court ({min_length} caractères au moins).",
    "string_too_long": "Ce texte est trop long ({max_length} caractères au plus).",
    "enum": "Choisissez une valeur dans la liste.",
    "literal_error": "Choisissez une valeur dans la liste.",
    "int_parsing": "Saisissez un nombre entier.",
    "int_type": "Saisissez un nombre entier.",
    "float_parsing": "Saisissez un nombre.",
    "float_type": "Saisissez un nombre.",
    "bool_parsing": "Répondez par oui ou non.",
    "bool_type": "Répondez par oui ou non.",
    "greater_than_equal": "La valeur doit être supérieure ou égale à {ge}.",
    "less_than_equal": "La valeur doit être inférieure ou égale à {le}.",
    "string_type": "Saisissez du texte.",
    "list_type": "Saisissez une liste de valeurs.",
    "too_long": "Trop de valeurs ({max_length} au plus).",
    "extra_forbidden": "Ce champ n’est pas attendu.",
    "json_invalid": "Le corps de la requête n’est pas du JSON valide.",
    "model_type": "Le corps de la requête doit être un objet JSON.",
    "dict_type": "Le corps de la requête doit être un objet JSON.",
}


def french_errors(exc: ValidationError) -> dict[str, str]:
    """The first error of each field, in French; custom validators already speak French."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or "__all__"
        if field in errors:
            continue
        kind = error["type"]
        if kind == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(**error.get("ctx", {}))
        else:
            message = "Valeur invalide."
        errors[field] = message
    return errors


def validate(model: type[M], data: Mapping[str, Any], context: dict[str, Any] | None = None) -> M:
    """Build `model` from `data` (its validators may read `context`) or raise InvalidInput with French messages."""
    try:
        return model.model_validate(dict(data), context=context)
    except ValidationError as exc:
        raise InvalidInput(french_errors(exc)) from exc
