"""Pages and API of hub.contests."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
