"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import LiveServer, database_url, live_server
from threatmesh.services.platform import Platform
from threatmesh.storage.core import database
from threatmesh.storage.directory import records as directory


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database, once on SQLite and once on PostgreSQL."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database only (for tests whose subject is not storage)."""
    return f"sqlite:///{tmp_path / 'threatmesh.db'}"


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server on loopback, on SQLite and on PostgreSQL."""
    with live_server(db_url, tmp_path) as srv:
        yield srv


@pytest.fixture
def sqlite_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server on SQLite only."""
    with live_server(sqlite_url, tmp_path) as srv:
        yield srv


@pytest.fixture
def platform(db_url: str) -> Iterator[Platform]:
    """A migrated database (SQLite and PostgreSQL) with MISP's default roles, no users."""
    engine = database.create_engine(db_url)
    database.upgrade(engine)
    p = Platform(engine=engine)
    with p.write() as conn:
        directory.seed_roles(conn, p.now())
    yield p
    engine.dispose()
