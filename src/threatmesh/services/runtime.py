"""Composition: the running platform and its adapters, built from plain values.

Only ``api`` and ``cli`` read settings. They pass what they read here (a database URL,
directories, a bus name and URL, options) and get back what the use cases run on: the
:class:`Platform` and its engine, the key authority and its master-key store, the
attachment store, and the bus fed by the outbox relay. So the entry points never reach
storage or the bus themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from threatmesh.bus.base import Bus
from threatmesh.bus.registry import create_bus
from threatmesh.client.mail import Mailer, SmtpOptions
from threatmesh.services.abe.key_authority import KeyAuthority, trust_from_config
from threatmesh.services.platform import Platform
from threatmesh.services.provenance import reputation
from threatmesh.services.stream.relay import Relay
from threatmesh.services.trust import Trust
from threatmesh.storage.abe.keystore import FileKeyStore
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.events.attachments import AttachmentStore

__all__ = [
    "AttachmentStore",
    "Background",
    "Mailer",
    "attachment_store",
    "key_authority",
    "mailer",
    "open_platform",
    "start_background",
]


def open_platform(
    database_url: str,
    *,
    base_url: str = "",
    correlation_cap: int = 20,
    unpublished_private: bool = False,
    auth_cache_seconds: float = 2.0,
    sync_serve_community: bool = True,
    trust: Trust | None = None,
    data_dir: Path | None = None,
) -> Platform:
    """The platform on the database at ``database_url`` (``sqlite:///...`` or
    ``postgresql://...``; the schema must be migrated), with these options (``data_dir``:
    where attachment files are, for sync to move them with their events)."""
    return Platform(
        engine=create_engine(database_url),
        correlation_cap=correlation_cap,
        unpublished_private=unpublished_private,
        auth_cache_seconds=auth_cache_seconds,
        base_url=base_url,
        sync_serve_community=sync_serve_community,
        trust=trust if trust is not None else Trust(),
        attachments=None if data_dir is None else attachment_store(data_dir),
    )


def key_authority(
    directory: Path,
    *,
    trust_levels: dict[str, int] | None = None,
    role_aliases: dict[str, list[str]] | None = None,
    reputation_of: Platform | None = None,
) -> KeyAuthority:
    """The CP-ABE key authority, its master keys in files under ``directory``.

    ``trust_levels``: a ``trust`` attribute per organisation name; with
    ``reputation_of``, organisations not configured get their reputation level on that
    platform instead."""
    authority = KeyAuthority(
        FileKeyStore(directory),
        trust_from_config(trust_levels or {}),
        role_aliases=role_aliases or {},
    )
    if reputation_of is not None:
        authority.trust_of = reputation.trust_of(reputation_of, authority.trust_of)
    return authority


def attachment_store(data_dir: Path) -> AttachmentStore:
    """Where attachment bytes live: ``<data_dir>/attachments``, one file per attribute."""
    return AttachmentStore(Path(data_dir) / "attachments")


def mailer(
    host: str | None,
    *,
    port: int = 25,
    sender: str = "threatmesh@localhost",
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    ca_file: str | None = None,
) -> Mailer | None:
    """The SMTP client that sends this instance's e-mail through ``host``:``port`` from
    ``sender`` (STARTTLS, verified against ``ca_file`` or the system's CAs, and a login
    if asked); None without a host: e-mail is not configured."""
    if not host:
        return None
    options = SmtpOptions(
        host, port, sender, starttls, username, password, timeout=timeout, ca_file=ca_file
    )
    return Mailer(options)


@dataclass
class Background:
    """What a server process runs beside its requests: the bus and, if asked for, the
    relay copying the outbox to it."""

    bus: Bus
    relay: Relay | None

    def stop(self) -> None:
        """Stop the relay (its current batch finishes), then close the bus."""
        if self.relay is not None:
            self.relay.stop()
        self.bus.close()


def start_background(
    platform: Platform,
    *,
    bus: str = "memory",
    bus_url: str = "",
    bus_stream: str = "THREATMESH",
    bus_prefix: str = "threatmesh",
    relay: bool = True,
    relay_linger_seconds: float = 0.0,
) -> Background:
    """Connect the bus named ``bus`` (``nats``: at ``bus_url``, on JetStream stream
    ``bus_stream``, subjects ``<bus_prefix>.<topic>``) and, with ``relay``, start the
    relay that publishes ``platform``'s outbox on it."""
    if bus == "nats":
        connected = create_bus("nats", bus_url, stream=bus_stream, prefix=bus_prefix)
    else:
        connected = create_bus(bus)
    started = None
    if relay:
        started = Relay(platform, connected, linger_seconds=relay_linger_seconds).start()
    return Background(connected, started)
