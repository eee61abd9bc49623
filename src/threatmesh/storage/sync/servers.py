"""Server connections (``servers``): the remote instances this one syncs with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import servers


def server(conn: Connection, server_id: int) -> RowMapping | None:
    """Connection ``server_id``."""
    return conn.execute(sa.select(servers).where(servers.c.id == server_id)).mappings().first()


def server_id_by_uuid(conn: Connection, server_uuid: str) -> int | None:
    """The id of the connection to the remote instance with UUID ``server_uuid``."""
    q = sa.select(servers.c.id).where(servers.c.uuid == server_uuid.lower())
    found = conn.execute(q).scalar()
    return None if found is None else int(found)


def servers_of_org(conn: Connection, org_id: int) -> list[int]:
    """Ids of the connections whose remote organisation is ``org_id``."""
    q = sa.select(servers.c.id).where(servers.c.remote_org_id == org_id).order_by(servers.c.id)
    return [int(i) for i in conn.execute(q).scalars()]


def list_servers(conn: Connection) -> list[RowMapping]:
    """Every connection, by id."""
    return list(conn.execute(sa.select(servers).order_by(servers.c.id)).mappings())


def switches(conn: Connection, ids: Sequence[int] | None = None) -> list[tuple[int, bool, bool]]:
    """(id, pull on, push on) of connections ``ids`` (every one if none are named), by id."""
    q = sa.select(servers.c.id, servers.c.pull, servers.c.push).order_by(servers.c.id)
    if ids:
        q = q.where(servers.c.id.in_(ids))
    return [(int(r.id), bool(r.pull), bool(r.push)) for r in conn.execute(q)]


def insert_server(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a connection; its id."""
    return int(conn.execute(servers.insert().returning(servers.c.id), dict(values)).scalar_one())


def update_server(conn: Connection, server_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on connection ``server_id``."""
    conn.execute(servers.update().where(servers.c.id == server_id).values(**values))


def delete_server(conn: Connection, server_id: int) -> None:
    """Delete connection ``server_id`` (its cursors, log and failures go with it)."""
    conn.execute(servers.delete().where(servers.c.id == server_id))
