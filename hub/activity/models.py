"""Tables of hub.activity."""

from __future__ import annotations
