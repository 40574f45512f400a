"""Settings: one object, prefix HUB_, clear start-up errors, and every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.cli import COMMANDS_HELP
from hub.settings import Settings, SettingsError

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_production_mode_requires_a_secret_key_and_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_MODE", "production")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub@db/hub")
    with pytest.raises(SettingsError, match="HUB_SECRET_KEY"):
        Settings()


def test_meilisearch_engine_requires_its_url() -> None:
    with pytest.raises(SettingsError, match="HUB_MEILISEARCH_URL"):
        Settings(search_engine="meilisearch")


def test_local_mode_generates_a_private_secret_key_once(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    key = settings.effective_secret_key
    assert len(key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings(var_dir=tmp_path).effective_secret_key == key


def test_settings_cannot_change_after_they_were_read() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 9000  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"HUB_{name.upper()}" in README


@pytest.mark.parametrize("command", sorted(COMMANDS_HELP))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"hub {command}" in README


def test_nothing_else_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for folder in ("hub", "search", "seed")
        for path in (root / folder).rglob("*.py")
        if path.name != "settings.py" and re.search(r"os\.environ|os\.getenv", path.read_text())
    ]
    assert offenders == []
