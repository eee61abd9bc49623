"""Bulk inserts below SQLAlchemy (COPY on PostgreSQL) store exactly what was given and
fail as SQLAlchemy's own inserts fail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from threatmesh.storage.core import database
from threatmesh.storage.core.driver import bulk_insert

_META = sa.MetaData()
_T = sa.Table(
    "bulk_probe",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=True),
    sa.Column("n", sa.BigInteger, nullable=True),
)

# What COPY's text format must escape: tabs, newlines, backslashes, "\N" itself.
_AWKWARD = ["tab\there", "line\nbreak\r\n", "back\\slash", "\\N", "", "é☃𝄞", "quote'\""]


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = database.create_engine(db_url)
    _META.create_all(eng)
    yield eng
    eng.dispose()


def _rows(names: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": i + 1,
            "name": name,
            "flag": i % 2 == 0,
            "raw": bytes((i + j) % 256 for j in range(16)) if i % 3 else None,
            "n": None if i % 4 == 0 else -(2**62) + i,
        }
        for i, name in enumerate(names)
    ]


@pytest.mark.parametrize("count", [1, len(_AWKWARD), 500])
def test_rows_round_trip(engine: sa.Engine, count: int) -> None:
    names = (_AWKWARD * (count // len(_AWKWARD) + 1))[:count]
    names = [f"{n}#{i}" for i, n in enumerate(names)]
    rows = _rows(names)
    with engine.begin() as conn:
        bulk_insert(conn, _T, rows)
    with engine.connect() as conn:
        stored = [dict(r) for r in conn.execute(_T.select().order_by(_T.c.id)).mappings()]
    assert stored == rows


def test_a_failing_row_is_a_sqlalchemy_integrity_error_and_nothing_stays(
    engine: sa.Engine,
) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        bulk_insert(conn, _T, _rows(["same", "other", "same"]))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(_T)).scalar_one() == 0
        # The pooled connection is usable afterwards.
        bulk_insert(conn, _T, _rows(["fine"]))
        conn.commit()
        assert conn.execute(sa.select(_T.c.name)).scalars().all() == ["fine"]
