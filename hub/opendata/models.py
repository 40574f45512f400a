"""Tables of hub.opendata."""

from __future__ import annotations
