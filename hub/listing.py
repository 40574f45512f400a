"""Pagination and filter parsing shared by the HTML lists and the JSON API."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.errors import HubError, NotFound

T = TypeVar("T")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_FILTER_LENGTH = 200


class InvalidFilter(HubError):
    """A filter or page parameter has a value the hub does not know."""

    status_code = 400
    title = "Filtre invalide"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.errors = {field: message}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and where it sits among all the results."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so an empty list still has its first page)."""
        return max(1, math.ceil(self.total / self.per_page))


def parse_page(params: Mapping[str, str]) -> tuple[int, int]:
    """`page` and `per_page` from query parameters, refusing anything that is not a sane integer."""
    page = _parse_int(params, "page", 1, minimum=1, maximum=100_000)
    per_page = _parse_int(params, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page


def check_page_exists(page: int, per_page: int, total: int) -> None:
    """A page beyond the last one is a 404 (the first page always exists)."""
    if page > 1 and (page - 1) * per_page >= total:
        raise NotFound(f"La page {page} n’existe pas : il y a {max(1, math.ceil(total / per_page))} page(s).")


def _parse_int(params: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 7:
        raise InvalidFilter(name, f"« {name} » doit être un nombre entier entre {minimum} et {maximum}.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise InvalidFilter(name, f"« {name} » doit être un nombre entier entre {minimum} et {maximum}.")
    return value


def parse_choice(params: Mapping[str, str], name: str, allowed: Collection[str]) -> str | None:
    """An optional filter that must be one of `allowed`."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if len(raw) > MAX_FILTER_LENGTH or raw not in allowed:
        raise InvalidFilter(name, f"Valeur inconnue pour le filtre « {name} ».")
    return raw


def parse_flag(params: Mapping[str, str], name: str) -> bool | None:
    """An optional yes/no filter: 1/true/oui or 0/false/non."""
    raw = params.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in {"1", "true", "oui", "on"}:
        return True
    if raw in {"0", "false", "non", "off"}:
        return False
    raise InvalidFilter(name, f"« {name} » attend oui (1) ou non (0).")


def parse_text(params: Mapping[str, str], name: str) -> str | None:
    """An optional free-text filter, bounded in length."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if len(raw) > MAX_FILTER_LENGTH:
        raise InvalidFilter(name, f"Le texte recherché est trop long ({MAX_FILTER_LENGTH} caractères au plus).")
    return raw
