"""Tables of hub.orientations."""

from __future__ import annotations
