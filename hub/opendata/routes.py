"""Pages and API of hub.opendata."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
