"""Pages and API of hub.orientations (and the sector pages of hub.sectors, which has no registered routes module)."""

from __future__ import annotations

from typing import Any

from hub.orientations.api import API
from hub.orientations.pages import PAGES
from hub.sectors.routes import ROUTES as SECTOR_ROUTES

ROUTES: list[Any] = [*PAGES, *API, *SECTOR_ROUTES]
