"""Pages and API of hub.moderation."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
