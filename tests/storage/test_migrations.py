"""The Alembic migrations build exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from threatmesh.storage import database
from threatmesh.storage.database import head_revision
from threatmesh.storage.schema import metadata


def test_migrations_match_the_tables(db_url: str) -> None:
    engine = database.create_engine(db_url)
    try:
        database.upgrade(engine)
        database.upgrade(engine)  # idempotent
        assert database.current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert "notifications" in metadata.tables  # capability tables are included
    finally:
        engine.dispose()
