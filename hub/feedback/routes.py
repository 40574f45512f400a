"""Pages and API of hub.feedback."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
