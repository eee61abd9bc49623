"""The catalogue of rows naming an organisation stays complete (issue 14, item 2: a
reference nobody had listed made ``admin/organisations/delete`` answer 500).

A new table with an ``org_id``-like column or a foreign key to ``organisations`` fails
here until ``storage/org_references.py`` says whether it blocks the delete or goes with
the organisation."""

from __future__ import annotations

import re

import sqlalchemy as sa

from threatmesh.storage import schema
from threatmesh.storage.core import database
from threatmesh.storage.directory.org_references import BLOCKING, REMOVED

_ORG_COLUMN = re.compile(r"(^|_)orgc?_id$")


def catalogued() -> set[str]:
    return {f"{c.table.name}.{c.name}" for c in [b.column for b in BLOCKING] + list(REMOVED)}


def test_every_org_column_of_the_schema_is_catalogued() -> None:
    naming = {
        f"{t.name}.{c.name}"
        for t in schema.metadata.sorted_tables
        for c in t.columns
        if _ORG_COLUMN.search(c.name)
        or any(fk.column.table.name == "organisations" for fk in c.foreign_keys)
    }
    uuid_refs = {"anonymizer_bindings.ident"}  # names an organisation by UUID
    assert catalogued() == naming | uuid_refs


def test_every_foreign_key_of_the_migrated_database_is_catalogued(db_url: str) -> None:
    """The migrations, not only the table declarations, on SQLite and PostgreSQL."""
    engine = database.create_engine(db_url)
    database.upgrade(engine)
    try:
        inspector = sa.inspect(engine)
        found = {
            f"{table}.{column}"
            for table in inspector.get_table_names()
            for fk in inspector.get_foreign_keys(table)
            if fk["referred_table"] == "organisations"
            for column in fk["constrained_columns"]
        }
    finally:
        engine.dispose()
    assert found  # the inspection saw them
    assert found <= catalogued()


def test_a_reference_is_either_blocking_or_removed() -> None:
    blocking = {f"{b.column.table.name}.{b.column.name}" for b in BLOCKING}
    removed = {f"{c.table.name}.{c.name}" for c in REMOVED}
    assert not blocking & removed
    assert len(removed) == len(REMOVED)
