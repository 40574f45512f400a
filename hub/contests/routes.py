"""Pages and API of hub.contests."""

from __future__ import annotations

from typing import Any

from hub.contests.admin_pages import ADMIN_PAGES
from hub.contests.api import API
from hub.contests.pages import PAGES

ROUTES: list[Any] = [*PAGES, *ADMIN_PAGES, *API]
