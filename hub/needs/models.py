"""Tables of hub.needs."""

from __future__ import annotations
