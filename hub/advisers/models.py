"""Tables of hub.advisers."""

from __future__ import annotations
