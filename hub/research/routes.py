"""Pages and API of hub.research."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
