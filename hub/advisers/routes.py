"""Pages and API of hub.advisers."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
