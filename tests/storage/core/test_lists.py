"""``in_list`` binds a whole list as one parameter and selects what ``IN (...)`` would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from threatmesh.storage.core import database, lists

_META = sa.MetaData()
_T = sa.Table(
    "list_probe",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("k", sa.Integer, nullable=False, index=True),
    sa.Column("v", sa.Text, nullable=False),
)
_BY_K = sa.select(_T.c.id).where(lists.in_list(_T.c.k, "ks")).order_by(_T.c.id)
_BY_V = sa.select(_T.c.id).where(lists.in_list(_T.c.v, "vs")).order_by(_T.c.id)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = database.create_engine(db_url)
    _META.create_all(eng)
    with eng.begin() as conn:
        rows = [{"id": i, "k": i % 97 - 48, "v": f"value-{i % 89}'\"é"} for i in range(1, 3001)]
        conn.execute(_T.insert(), rows)
    yield eng
    eng.dispose()


def _plain(condition: sa.ColumnElement[bool]) -> sa.Select[tuple[int]]:
    return sa.select(_T.c.id).where(condition).order_by(_T.c.id)


def _ids(conn: sa.Connection, stmt: sa.Select[tuple[int]], **params: object) -> list[int]:
    return list(conn.execute(stmt, params).scalars())


def test_selects_what_in_would(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        for ks in ([5], [-48, 0, 48], list(range(-60, 60, 7))):
            assert _ids(conn, _BY_K, ks=ks) == _ids(conn, _plain(_T.c.k.in_(ks)))
        vs = ["value-3'\"é", "value-88'\"é", "absent"]
        assert _ids(conn, _BY_V, vs=vs) == _ids(conn, _plain(_T.c.v.in_(vs)))


def test_empty_and_long_lists(engine: sa.Engine) -> None:
    """An empty list selects nothing; a list longer than SQLite's parameter limit and
    PostgreSQL's 65,535 binds is still one parameter."""
    with engine.connect() as conn:
        assert _ids(conn, _BY_K, ks=[]) == []
        many = list(range(-70_000, 70_000))
        assert len(_ids(conn, _BY_K, ks=many)) == 3000


def test_none_is_refused(engine: sa.Engine) -> None:
    with engine.connect() as conn, pytest.raises(sa.exc.StatementError, match="a list is required"):
        conn.execute(_BY_K, {"ks": None})


def test_statement_is_cached_whatever_the_length(engine: sa.Engine) -> None:
    """The SQL text does not depend on the list, so the compiled form is reused."""
    dialect = engine.dialect
    assert str(_BY_K.compile(dialect=dialect)) == str(_BY_K.compile(dialect=dialect))
    with engine.connect() as conn:
        first = conn.execute(_BY_K, {"ks": [1]})
        second = conn.execute(_BY_K, {"ks": list(range(500))})
        assert first.context.compiled is second.context.compiled


def test_index_serves_it(engine: sa.Engine) -> None:
    """The plan reads the index on ``k``, as it would for a literal list."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = str(_BY_K.compile(dialect=conn.dialect))
            plan = " ".join(
                str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("[1]",))
            )
            assert "INDEX ix_list_probe_k (k=?)" in plan, plan
        else:
            conn.exec_driver_sql("ANALYZE list_probe")
            conn.exec_driver_sql("SET enable_seqscan = off")
            sql = str(_BY_K.compile(dialect=conn.dialect)).replace("%(ks)s", "'{1,2}'")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert "ix_list_probe_k" in plan, plan
