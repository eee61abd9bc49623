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

from threatmesh.storage.core.tables import auth_keys, organisations, roles, users


def insert_user(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a user row; its id."""
    return int(conn.execute(users.insert().returning(users.c.id), dict(values)).scalar_one())


def delete_user(conn: Connection, user_id: int) -> None:
    """Delete user ``user_id`` (its keys go with it)."""
    conn.execute(users.delete().where(users.c.id == user_id))


def update_user(conn: Connection, user_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on user ``user_id``."""
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def list_users(
    conn: Connection,
    org_id: int | None = None,
    *,
    search: str | None = None,
    org_ids: list[int] | None = None,
) -> list[RowMapping]:
    """Users by id with ``org_name``, ``role_name`` and the role's ``perm_admin``,
    ``perm_site_admin`` and ``perm_auth``: all of them, or those of organisation
    ``org_id``; ``search`` matches (case-insensitively, as a substring) the email, the
    organisation's name or the role's name (MISP's ``searchall``); ``org_ids`` keeps
    the users of those organisations."""
    q = (
        sa.select(
            users,
            organisations.c.name.label("org_name"),
            roles.c.name.label("role_name"),
            roles.c.perm_admin,
            roles.c.perm_site_admin,
            roles.c.perm_auth,
        )
        .join(organisations, organisations.c.id == users.c.org_id)
        .join(roles, roles.c.id == users.c.role_id)
        .order_by(users.c.id)
    )
    if org_id is not None:
        q = q.where(users.c.org_id == org_id)
    if org_ids is not None:
        q = q.where(users.c.org_id.in_(org_ids))
    if search:
        like = f"%{search.upper()}%"
        q = q.where(
            sa.or_(
                sa.func.upper(users.c.email).like(like),
                sa.func.upper(organisations.c.name).like(like),
                sa.func.upper(roles.c.name).like(like),
            )
        )
    return list(conn.execute(q).mappings())


def users_by_org(conn: Connection) -> dict[int, int]:
    """The number of users of each organisation that has some."""
    q = sa.select(users.c.org_id, sa.func.count()).group_by(users.c.org_id)
    return {int(o): int(n) for o, n in conn.execute(q)}


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


def contact_recipients(
    conn: Connection, *, org_id: int, creator_id: int, creator_only: bool
) -> list[str]:
    """The e-mail addresses ``events/contact`` writes to, as MISP's
    ``Event::sendContactEmail`` picks them: the enabled users of the creator
    organisation ``org_id`` who want contact alerts, and the event's creator
    ``creator_id`` if still one of them; with ``creator_only``, that creator alone."""
    q = sa.select(users.c.email).where(users.c.org_id == org_id, users.c.disabled.is_(False))
    if creator_only:
        q = q.where(users.c.id == creator_id)
    else:
        q = q.where(sa.or_(users.c.contactalert.is_(True), users.c.id == creator_id))
    return [str(e) for e in conn.execute(q.order_by(users.c.id)).scalars()]
