"""Tables of hub.places."""

from __future__ import annotations
