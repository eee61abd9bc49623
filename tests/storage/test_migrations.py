"""The Alembic migrations build exactly the schema the code declares."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from threatmesh.storage.core import database
from threatmesh.storage.core.database import head_revision
from threatmesh.storage.schema import metadata


def _on_postgresql(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    # There attribute UUIDs are kept unique by a hash exclusion constraint, which
    # autogenerate does not reflect; it is checked on its own below.
    return not (type_ == "unique_constraint" and name == "uq_attributes_uuid")


def _attribute_uuid_constraint(conn: Connection) -> tuple[str, str]:
    row = conn.execute(
        sa.text(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'uq_attributes_uuid'"
        )
    ).one()
    return (str(row[0]), str(row[1]))


def test_migrations_match_the_tables(db_url: str) -> None:
    engine = database.create_engine(db_url)
    try:
        database.upgrade(engine)
        database.upgrade(engine)  # idempotent
        assert database.current_revision(engine) == head_revision()
        pg = engine.dialect.name == "postgresql"
        opts = {"include_object": _on_postgresql} if pg else {}
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, metadata)
            if pg:
                unique_by_hash = "EXCLUDE USING hash (uuid WITH =) WITH (fillfactor='100')"
                assert _attribute_uuid_constraint(conn) == ("x", unique_by_hash)
        assert diff == []
        assert "notifications" in metadata.tables  # capability tables are included
    finally:
        engine.dispose()
