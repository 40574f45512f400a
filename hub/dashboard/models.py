"""No tables: the dashboard only reads the other domains' tables (grouped queries in aggregates.py)."""

from __future__ import annotations
