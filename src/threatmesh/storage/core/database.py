"""Engines and schema migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from threatmesh.model.errors import InvalidInput
from threatmesh.storage.core.failures import translated

#: What layers above storage hold, named here so that they never import SQLAlchemy:
#: a connection (inside a unit of work from :func:`begin` or :func:`connect`), an
#: engine, and a row read as a mapping.
__all__ = ["Connection", "Engine", "Row", "begin", "connect"]
Row = RowMapping

_MIGRATIONS = Path(__file__).parent.parent / "migrations"


@contextmanager
def begin(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on success, rolled back on any error; database
    errors leave it as domain errors (:mod:`threatmesh.storage.core.failures`)."""
    with translated(), engine.begin() as conn:
        yield conn


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A connection outside any explicit transaction (the caller decides: see
    :func:`autocommit`); database errors leave it as domain errors."""
    with translated(), engine.connect() as conn:
        yield conn


def sqlite_url(data_dir: Path) -> str:
    """The URL of the default database: ``threatmesh.db`` in ``data_dir``."""
    return f"sqlite:///{data_dir / 'threatmesh.db'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers proceed while one writer commits; NORMAL sync is durable in WAL
    # mode except for the last transactions on power loss (not on a process crash).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # Transactions are begun by _sqlite_begin, not by the driver's implicit BEGIN.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: sa.Connection) -> None:
    """Write transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE).

    The driver's own deferred BEGIN comes just before the first INSERT/UPDATE, so the
    reads a write transaction does first (does the UUID exist? which ids are free?)
    would see a snapshot another writer can commit behind, and the write would then
    fail at once with "database is locked" (a stale snapshot is not retried by
    busy_timeout). With the lock taken up front, writers queue on busy_timeout instead
    and the transaction's reads stay true until it commits. Autocommit reads
    (``Platform.read``) begin nothing and never wait for a writer (WAL)."""
    if conn.get_execution_options().get(_SQLITE_AUTOCOMMIT):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# The execution option that makes a SQLite connection's statements autocommit.
_SQLITE_AUTOCOMMIT = "threatmesh_autocommit"


def autocommit(conn: sa.Connection) -> None:
    """Run ``conn``'s statements in autocommit mode, without BEGIN and ROLLBACK.

    On SQLite the driver already never begins anything (see :func:`_sqlite_pragmas`), so
    this only tells :func:`_sqlite_begin` not to. SQLAlchemy's own
    ``isolation_level="AUTOCOMMIT"`` would run ``PRAGMA read_uncommitted`` when the
    connection goes back to the pool, and a flag pragma expires every statement SQLite
    has prepared on that connection: each read then compiled its statements again (0.8
    ms of the 0.9 ms of RelatedEvent for a 10-attribute event)."""
    if conn.dialect.name == "sqlite":
        conn.execution_options(**{_SQLITE_AUTOCOMMIT: True})
    else:
        conn.execution_options(isolation_level="AUTOCOMMIT")


#: A pooled connection idle for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_conn: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any, *, idle_after: float) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle.

    ``pool_pre_ping`` pings on *every* checkout: one extra loopback round trip per
    request, about a third of a restSearch by value. Connections die while idle (a
    database restart, a firewall dropping quiet flows), so a connection that was in use
    moments ago is handed out as is; one idle for more than IDLE_PING_SECONDS is pinged,
    and a dead one is replaced (the pool retries on DisconnectionError). A connection
    that dies under load still fails that one request, as it would with pre-ping.
    """
    idle = time.monotonic() - record.info.get("checked_in", 0.0)
    if idle < idle_after:
        return
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT 1")
        # Leave no transaction open behind the ping (psycopg opens one implicitly).
        if not dbapi_conn.autocommit:
            dbapi_conn.rollback()
    except Exception as exc:
        raise sa.exc.DisconnectionError(f"stale pooled connection: {exc}") from exc


def create_engine(
    url: str, *, echo: bool = False, idle_ping_seconds: float = IDLE_PING_SECONDS
) -> Engine:
    """An engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    On PostgreSQL, pooled connections idle for ``idle_ping_seconds`` are checked before
    use (see :func:`_ping_if_idle`)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql+"):
        return _postgres_engine(url, echo=echo, idle_ping_seconds=idle_ping_seconds)
    raise InvalidInput(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def _postgres_engine(url: str | sa.URL, *, idle_ping_seconds: float, **options: Any) -> Engine:
    engine = sa.create_engine(url, pool_size=10, max_overflow=20, **options)
    sa.event.listen(engine, "checkin", _note_checkin)
    sa.event.listen(
        engine, "checkout", functools.partial(_ping_if_idle, idle_after=idle_ping_seconds)
    )
    return engine


#: Session settings of :func:`lookup_engine`'s connections on PostgreSQL.
LOOKUP_OPTIONS = "-c plan_cache_mode=force_generic_plan"


def lookup_engine(engine: Engine) -> Engine:
    """Connections for the hottest fixed-shape reads (a restSearch by value): on
    PostgreSQL a second, autocommit pool on ``engine``'s database whose sessions always
    use a prepared statement's generic plan; ``engine`` itself on SQLite.

    PostgreSQL plans a prepared statement again at each execution (a custom plan) for
    as long as its generic plan is estimated dearer than the custom ones were, and
    psycopg forgets a connection's prepared statements at every ROLLBACK, which a
    shared pool sees after any failed transaction. For the restSearch page (a join and
    a subquery) planning took 0.2 ms, four times the execution. Here statements are
    prepared at their first execution, never rolled back, and always run on their
    generic plan. That plan is only right for statements written for it (no bound
    constant that a partial index predicate depends on), so only those run here. The
    pool is disposed with ``engine``.
    """
    if engine.dialect.name != "postgresql":
        return engine
    lookup = _postgres_engine(
        engine.url,
        echo=engine.echo,
        idle_ping_seconds=IDLE_PING_SECONDS,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": LOOKUP_OPTIONS, "prepare_threshold": 0},
    )
    sa.event.listen(engine, "engine_disposed", lambda _engine: lookup.dispose())
    return lookup


def alembic_config(engine: Engine) -> Any:
    """An Alembic configuration that runs this package's migrations on ``engine``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str:
    """The newest schema revision this code knows (what ``upgrade`` brings a database to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise RuntimeError("no schema migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev
