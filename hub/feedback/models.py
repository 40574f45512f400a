"""Tables of hub.feedback."""

from __future__ import annotations
