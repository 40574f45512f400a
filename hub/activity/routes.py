"""Pages and API of hub.activity."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
