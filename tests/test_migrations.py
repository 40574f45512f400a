"""Models and migrations must agree, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine

from hub.migrate import pending_differences


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        assert pending_differences(connection) == []
