"""Tables of hub.network."""

from __future__ import annotations
