"""Tables of hub.referents."""

from __future__ import annotations
