"""Pages and API of hub.needs."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
