"""Pages and API of hub.needs."""

from __future__ import annotations

from typing import Any

from hub.needs.api import API
from hub.needs.pages import PAGES

ROUTES: list[Any] = [*PAGES, *API]
