"""Tables of hub.moderation."""

from __future__ import annotations
