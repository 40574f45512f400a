"""Pages and API of hub.orientations."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
