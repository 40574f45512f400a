"""Tables of hub.research."""

from __future__ import annotations
