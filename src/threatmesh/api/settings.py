"""Settings, read from the environment (prefix ``THREATMESH_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
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
    bus: str = Field(default="memory", description="Event bus backend: memory or nats")
    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server (bus=nats)")
    nats_stream: str = Field(default="THREATMESH", description="JetStream stream name")
    nats_subject_prefix: str = Field(
        default="threatmesh", description="Subjects are <prefix>.<topic>"
    )
    relay: bool = Field(default=True, description="Run the outbox relay in this process")
    gc_threshold: int = Field(
        default=10_000,
        ge=0,
        description="Allocations between two young-generation garbage collections in a "
        "server process (Python's default is 700); 0 leaves Python's settings alone",
    )
    relay_linger_seconds: float = Field(
        default=0.02,
        ge=0,
        le=5,
        description="How long the relay waits after a write for the next ones, to publish "
        "a burst in one batch",
    )
    sync_serve_community: bool = Field(
        default=True,
        description="Serve distribution 1 (this community) events and content to remote "
        "sync users pulling from this instance, as MISP does (the puller keeps them as "
        "distribution 0); false keeps them on this instance",
    )
    sync_push_worker: bool = Field(
        default=True,
        description="Push published events to the connections with push on, in the "
        "background, as MISP pushes on publish (docs/sync.md)",
    )
    sync_push_poll_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often the background pusher looks for work written by other "
        "processes (this process's own writes wake it at once)",
    )
    stream_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often an SSE stream looks for other workers' changes"
    )

    smtp_host: str | None = Field(
        default=None,
        description="Mail server that sends this instance's e-mail (events/contact); "
        "unset: no e-mail is sent and events/contact says so",
    )
    smtp_port: int = Field(default=25, ge=1, le=65_535, description="Mail server port")
    smtp_from: str | None = Field(
        default=None, description="Sender address of the e-mail (MISP.email); needed with smtp_host"
    )
    smtp_starttls: bool = Field(
        default=False,
        description="Upgrade the SMTP connection with STARTTLS (certificate checked)",
    )
    smtp_ca_file: Path | None = Field(
        default=None, description="CA bundle that verifies the mail server; default: the system's"
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP login, if the server wants one"
    )
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long to wait for the mail server"
    )

    abe_authority_dir: Path | None = Field(
        default=None,
        description="Key authority's master-key directory; default: data_dir/abe-authority",
    )
    abe_trust_levels: dict[str, int] = Field(
        default_factory=dict,
        description='Trust level per organisation name for ABE keys, e.g. {"CIRCL": 4}',
    )
    abe_trust_from_reputation: bool = Field(
        default=False,
        description="ABE keys carry trust=<reputation level> for organisations not configured",
    )
    abe_role_attributes: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Extra ABE roles per MISP role name, e.g. {"User": ["analyst"]}',
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

    @model_validator(mode="after")
    def _mail_has_a_sender(self) -> Self:
        """A mail server without a sender address is a configuration error, said at start."""
        if self.smtp_host and not self.smtp_from:
            raise ValueError("THREATMESH_SMTP_HOST is set: set THREATMESH_SMTP_FROM as well")
        return self

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/threatmesh.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'threatmesh.db'}"
