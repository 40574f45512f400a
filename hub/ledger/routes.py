"""Pages of the innovation-hours bank."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
