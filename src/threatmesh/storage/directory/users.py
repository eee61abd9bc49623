"""Users and their API keys: the statements that add, list and remove them.

Finding a user by id or email, and the user an API key belongs to, are in
:mod:`threatmesh.storage.directory.records`. Keys are made and hashed above storage;
only the hash and the key's first and last four characters are stored.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import auth_keys, users


def insert_user(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a user row; its id."""
    return int(conn.execute(users.insert().returning(users.c.id), dict(values)).scalar_one())


def delete_user(conn: Connection, user_id: int) -> None:
    """Delete user ``user_id`` (its keys go with it)."""
    conn.execute(users.delete().where(users.c.id == user_id))


def list_users(conn: Connection, org_id: int | None = None) -> list[RowMapping]:
    """Users by id: all of them, or those of organisation ``org_id``."""
    q = sa.select(users).order_by(users.c.id)
    if org_id is not None:
        q = q.where(users.c.org_id == org_id)
    return list(conn.execute(q).mappings())


def insert_key(
    conn: Connection,
    user_id: int,
    *,
    key_hash: str,
    start: str,
    end: str,
    now: int,
    comment: str = "",
) -> None:
    """Store an API key of ``user_id``: its hash, and its first and last characters
    (``start``, ``end``: to tell keys apart), never the key itself."""
    conn.execute(
        auth_keys.insert(),
        {
            "uuid": str(uuidlib.uuid4()),
            "authkey_hash": key_hash,
            "authkey_start": start,
            "authkey_end": end,
            "user_id": user_id,
            "created": now,
            "comment": comment,
        },
    )
