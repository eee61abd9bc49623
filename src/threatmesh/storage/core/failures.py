"""Database errors as domain errors: what callers above storage may catch.

Services, the API and the CLI never see SQLAlchemy's exceptions. Every unit of work is
opened by :func:`translated` (through :mod:`threatmesh.storage.core.database`'s
``begin``/``connect``), which turns what the database refuses despite validation into
errors that carry their HTTP status:

- a unique key or exclusion constraint already taken -> :class:`KeyTaken` (409);
- a value the column cannot hold (out of range, NUL byte, too long) ->
  :class:`ValueNotStorable` (400);
- anything else the driver raises -> :class:`DatabaseFailure` (500).

The database's own text names tables and constraints, so it is logged, never passed on
(whose data holds a value is not the client's business; issue 14).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as db_errors

from threatmesh.model.errors import Conflict, InvalidInput, ThreatmeshError

log = logging.getLogger(__name__)

#: 23505: a unique key; 23P01: an exclusion constraint (attribute UUIDs on PostgreSQL).
_TAKEN_STATES = ("23505", "23P01")


class KeyTaken(Conflict):
    """A unique key refused a write (a UUID or a name already used)."""

    def __init__(self, reason: str) -> None:
        super().__init__("Already exists: a UUID or name in the request is already used.")
        #: The database's text, for logs only.
        self.reason = reason


class ValueNotStorable(InvalidInput):
    """A value passed validation but the database cannot store it."""


class DatabaseFailure(ThreatmeshError):
    """Any other database error (logged with the database's text)."""

    def __init__(self, reason: str) -> None:
        super().__init__("A database error occurred; it has been logged.")
        self.reason = reason


def reason(exc: BaseException) -> str:
    """The first lines of the driver's message."""
    orig = getattr(exc, "orig", None) or exc
    return "; ".join(line.strip() for line in str(orig).splitlines()[:2] if line.strip())


def _is_taken(exc: db_errors.IntegrityError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    return state in _TAKEN_STATES or "UNIQUE constraint failed" in reason(exc)


def domain_error(exc: BaseException) -> ThreatmeshError:
    """The domain error for database error ``exc``."""
    text = reason(exc)
    if isinstance(exc, db_errors.IntegrityError) and _is_taken(exc):
        log.info("unique key refused a write: %s", text)
        return KeyTaken(text)
    if isinstance(exc, OverflowError | db_errors.DataError):
        return ValueNotStorable(f"A value in the request cannot be stored: {text}")
    log.error("database error: %s", text, exc_info=exc)
    return DatabaseFailure(text)


@contextmanager
def translated() -> Iterator[None]:
    """Run a unit of work; database errors leave it as domain errors."""
    try:
        yield
    except (db_errors.DBAPIError, OverflowError) as exc:
        raise domain_error(exc) from exc
