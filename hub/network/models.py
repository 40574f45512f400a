"""hub.network has no tables of its own: the ego network is read from partners, memberships and twins."""

from __future__ import annotations
