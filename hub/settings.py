"""The hub's one Settings object: every setting comes from here (environment prefix HUB_)."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Mode(StrEnum):
    """Local use (a developer's machine, demo accounts) or production (a public operator)."""

    LOCAL = "local"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


class Settings(BaseSettings):
    """Configuration of one hub process, read once from the environment and then frozen."""

    model_config = SettingsConfigDict(env_prefix="HUB_", frozen=True, extra="ignore")

    mode: Mode = Field(Mode.LOCAL, description="`local` or `production`.")
    var_dir: Path = Field(
        REPO_ROOT / "var", description="Folder for local state: SQLite file, search index, secret key, mail outbox."
    )
    database_url: str = Field("", description="SQLAlchemy URL. Default: SQLite file `var/hub.sqlite3`.")
    secret_key: str = Field(
        "", description="Signs tokens. Generated into `var/secret_key` in local mode; required in production."
    )
    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    workers: int = Field(1, ge=1, le=64, description="Number of server worker processes.")
    threads: int = Field(
        8,
        ge=1,
        le=256,
        description="Requests a worker works on at once in its threads (database calls, pages); the others wait "
        "their turn. Python runs one thread at a time: many busy threads slow every request, the asynchronous "
        "ones (cached lists, live feed) most.",
    )
    search_engine: Literal["embedded", "meilisearch"] = Field(
        "embedded", description="`embedded` (SQLite FTS5) or `meilisearch`."
    )
    meilisearch_url: str = Field("", description="Meilisearch server URL, used when `search_engine=meilisearch`.")
    meilisearch_key: str = Field("", description="Meilisearch API key.")
    mail_backend: Literal["outbox", "smtp"] = Field(
        "outbox", description="`outbox` writes e-mails to `var/outbox/`; `smtp` sends them."
    )
    smtp_host: str = Field("", description="SMTP server host (mail_backend=smtp).")
    smtp_port: int = Field(587, description="SMTP server port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="`starttls` (port 587) or `tls` (port 465), with the server's certificate checked; `none` sends "
        "in clear and is refused in production mode.",
    )
    smtp_user: str = Field("", description="SMTP user name.")
    smtp_password: str = Field("", description="SMTP password.")
    mail_from: str = Field("lab-esante@localhost", description="Sender address of the hub's e-mails.")
    privacy_contact: str = Field(
        "",
        description="How to reach the data protection officer of the operator (an e-mail or postal address), shown "
        "on the personal-data page.",
    )
    suggestions_warm: bool = Field(
        True,
        description="Prepare partner suggestions in idle time after each rebuild of the graph, so that pages rarely "
        "compute them (each worker uses some CPU for a while after a change of the catalogue).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Logging level.")
    static_dir: Path = Field(
        REPO_ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist",
        description="Built DSFR assets (installed by `make run`).",
    )

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.mode is Mode.PRODUCTION:
            if not self.secret_key:
                raise SettingsError("HUB_SECRET_KEY is required in production mode (HUB_MODE=production).")
            if len(self.secret_key) < 32:
                raise SettingsError("HUB_SECRET_KEY must be at least 32 characters long in production mode.")
            if not self.database_url:
                raise SettingsError("HUB_DATABASE_URL is required in production mode (HUB_MODE=production).")
            if self.mail_backend == "smtp" and self.smtp_security == "none":
                raise SettingsError("HUB_SMTP_SECURITY=none (e-mail in clear) is refused in production mode.")
        if self.search_engine == "meilisearch" and not self.meilisearch_url:
            raise SettingsError("HUB_MEILISEARCH_URL is required when HUB_SEARCH_ENGINE=meilisearch.")
        return self

    @property
    def is_production(self) -> bool:
        """Whether the hub runs for the public (Secure cookies, no demo accounts)."""
        return self.mode is Mode.PRODUCTION

    @cached_property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var/."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.var_dir / 'hub.sqlite3'}"

    @cached_property
    def effective_secret_key(self) -> str:
        """The secret key; in local mode, generated once into var/secret_key (mode 600)."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()

    @property
    def search_index_path(self) -> Path:
        """Where the embedded search engine keeps its index file."""
        return self.var_dir / "search.sqlite3"

    @property
    def mail_outbox_dir(self) -> Path:
        """Where local e-mails are written (mail_backend=outbox)."""
        return self.var_dir / "outbox"


def load_settings() -> Settings:
    """Read the settings from the environment (the only place the environment is read)."""
    return Settings()
