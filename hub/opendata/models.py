"""No tables: the exports read the directory and the catalogue (services.py); datasets.py declares their fields."""

from __future__ import annotations
