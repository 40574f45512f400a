"""Fixtures of the robustness tests."""

from tests.robustness.fresh_postgres import fresh_postgres

__all__ = ["fresh_postgres"]
