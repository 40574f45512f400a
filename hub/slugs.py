"""URL slugs: readable, ASCII, unique per table."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

MAX_SLUG_LENGTH = 80
# Path segments used by the interface itself (/annuaire/nouveau, /projets/nouveau).
RESERVED_SLUGS = frozenset({"nouveau", "modifier", "carte"})


def slugify(text: str) -> str:
    """'Hôpital Saint-Roch (Nice)' -> 'hopital-saint-roch-nice'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "sans-nom"


def unique_slug(session: Session, model: type[SQLModel], text: str) -> str:
    """A slug for `text` not yet used in `model`'s table (suffixes -2, -3, ...)."""
    base = slugify(text)
    slug_column = col(model.slug)  # type: ignore[attr-defined]
    taken = set(session.exec(select(slug_column).where((slug_column == base) | slug_column.like(f"{base}-%"))).all())
    if base not in taken and base not in RESERVED_SLUGS:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def count_rows(session: Session, model: type[SQLModel]) -> int:
    """Number of rows of a table."""
    return int(session.exec(select(func.count()).select_from(model)).one())
