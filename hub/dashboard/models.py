"""Tables of hub.dashboard."""

from __future__ import annotations
