"""Test support: databases (SQLite and PostgreSQL) and a live server on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from threatmesh.api.app import create_app
from threatmesh.api.settings import Settings
from threatmesh.services.admin import setup
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import create_engine

POSTGRES_ADMIN_URL = os.environ.get(
    "THREATMESH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else the reason it does not."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc.__class__.__name__}"
    return None


def require_service(reason: str | None) -> None:
    """Skip when a service is missing, except under CI=true where that is a failure."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    require_service(postgres_available())
    name = f"tm_test_{uuid.uuid4().hex[:12]}"
    admin_engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'threatmesh.db'}"
    else:
        with postgres_database() as url:
            yield url


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A threatmesh server running in this process on loopback."""

    url: str
    admin_key: str
    platform: Platform
    settings: Settings


@contextmanager
def live_server(
    db_url: str, tmp_path: Path, *, lifespan: str = "off", **overrides: object
) -> Iterator[LiveServer]:
    """Migrate ``db_url``, create an admin, serve with uvicorn on a free port.

    ``lifespan="on"`` also runs the app's lifespan (the bus and the outbox relay)."""
    settings = Settings(database_url=db_url, data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    platform = Platform(
        engine=create_engine(db_url),
        correlation_cap=settings.correlation_cap,
        auth_cache_seconds=settings.auth_cache_seconds,
    )
    key = setup.bootstrap(platform, org_name="ADMIN-ORG", email="admin@admin.test")
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, platform),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan=lifespan,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", key, platform, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        platform.engine.dispose()


def site_admin(platform: Platform, org: str = "ORG", email: str = "a@org.test") -> Identity:
    """Bootstrap ``platform``'s first organisation and its site admin (as ``threatmesh
    admin init`` does); the admin's identity."""
    who = platform.identify(setup.bootstrap(platform, org_name=org, email=email))
    assert who is not None
    return who
