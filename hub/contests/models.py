"""Tables of hub.contests."""

from __future__ import annotations
