"""Configuration, read once from `REGISTRY_*` environment variables into one object."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry import resources


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("var"),
        description="Where the SQLite database, keys and the mail outbox live.",
    )
    database_url: str = Field(
        default="",
        description="sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/db; "
        "empty means a SQLite file in the data directory.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public address of the registry, used in links, mails and badges.",
    )
    principles_dir: Path = Field(
        default_factory=lambda: resources.bundled_dir("principles"),
        description="The folder of versioned Principles texts.",
    )
    templates_dir: Path = Field(default_factory=lambda: resources.bundled_dir("templates"))
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted to set X-Forwarded-Proto (comma-separated, or *).",
    )
    debug: bool = False

    @field_validator("base_url")
    @classmethod
    def _base_url_is_absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("REGISTRY_BASE_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            path = (self.data_dir / "registry.sqlite3").resolve()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        return self
