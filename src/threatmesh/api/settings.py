"""Settings, read from the environment (prefix ``THREATMESH_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="THREATMESH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the SQLite database lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir"
    )
    base_url: str = Field(
        default="http://127.0.0.1:8080", description="Public URL of this instance"
    )
    correlation_cap: int = Field(
        default=20, ge=1, description="Values shared by more attributes stop correlating"
    )
    unpublished_private: bool = Field(
        default=False, description="Hide unpublished events from other organisations"
    )
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest accepted request body"
    )
    auth_cache_seconds: float = Field(
        default=2.0, ge=0, description="How long an API key lookup is reused"
    )

    uma_rpt_ttl: int = Field(
        default=300, ge=10, le=86_400, description="Lifetime of a UMA RPT, in seconds"
    )
    uma_ticket_ttl: int = Field(
        default=300, ge=10, le=3_600, description="Lifetime of a UMA permission ticket"
    )
    reputation_half_life_days: float = Field(
        default=180.0, gt=0, description="Source reputation evidence loses half its weight"
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/threatmesh.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'threatmesh.db'}"
