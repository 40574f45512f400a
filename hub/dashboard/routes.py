"""Pages and API of hub.dashboard."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
