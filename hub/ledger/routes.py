"""Pages of the innovation-hours bank (the JSON API is in api.py)."""

from __future__ import annotations

from typing import Any

from hub.ledger import admin_pages, pages, professional_pages

ROUTES: list[Any] = [*pages.ROUTES, *professional_pages.ROUTES, *admin_pages.ROUTES]
