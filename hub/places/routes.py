"""Pages and API of hub.places."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
