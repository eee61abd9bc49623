"""The platform's signing keys, one per purpose, created on first use (race-safe)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.storage.core.driver import insert_ignore
from threatmesh.storage.core.tables import signing_keys


def get_or_create(
    conn: Connection, purpose: str, make: Callable[[], tuple[str, str]], now: int
) -> tuple[str, bool]:
    """The stored private key of ``purpose``, and whether it was created just now (in
    the caller's transaction, so not yet committed); ``make()`` -> (kid, key text).

    Two processes starting at once may both make a key; the primary key keeps the first
    and both read that one back.
    """
    q = sa.select(signing_keys.c.private_key).where(signing_keys.c.purpose == purpose)
    found = conn.execute(q).scalar()
    if found is not None:
        return str(found), False
    kid, text = make()
    conn.execute(
        insert_ignore(conn, signing_keys),
        {"purpose": purpose, "kid": kid, "private_key": text, "created": now},
    )
    return str(conn.execute(q).scalar_one()), True
