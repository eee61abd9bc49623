"""How the database's actual schema compares with the one this code expects (MISP's
``servers/dbSchemaDiagnostic``): the revision it is at and, per table, the columns
that are missing or unexpected."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from threatmesh.storage.core import database


def diagnostic(engine: Engine, metadata: sa.MetaData) -> dict[str, Any]:
    """``expected_db_version`` (the newest migration), ``actual_db_version`` (the
    database's), and ``diagnostic``: for each table of ``metadata`` whose columns
    differ, the missing and unexpected column names."""
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    problems: dict[str, Any] = {}
    columns: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        # str(): SQLAlchemy's names are a str subclass that JSON encoders refuse as keys
        name = str(table.name)
        expected = [str(c.name) for c in table.columns]
        columns[name] = expected
        if name not in present:
            problems[name] = {"missing_table": True}
            continue
        actual = {str(c["name"]) for c in inspector.get_columns(name)}
        missing = sorted(set(expected) - actual)
        extra = sorted(actual - set(expected))
        if missing or extra:
            problems[name] = {"missing_columns": missing, "extra_columns": extra}
    return {
        "expected_db_version": database.head_revision(),
        "actual_db_version": database.current_revision(engine) or "",
        "diagnostic": problems,
        "diagnostic_index": {},
        "checked_table_column": columns,
        "dataSource": engine.dialect.name,
        "error": "",
        "update_locked": False,
        "remaining_lock_time": 0,
        "update_fail_number_reached": False,
    }
