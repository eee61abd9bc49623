"""Reads and writes of inventory hosts and their products."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.inventory.tables import inventory_hosts as H
from threatmesh.storage.inventory.tables import inventory_software as S

__all__ = ["delete_host", "find_host", "insert_host", "list_hosts", "software_of", "update_host"]


def list_hosts(conn: Connection, org_id: int | None) -> list[RowMapping]:
    """The hosts of organisation ``org_id`` (every host when None), by name."""
    q = sa.select(H).order_by(H.c.name, H.c.id)
    if org_id is not None:
        q = q.where(H.c.org_id == org_id)
    return list(conn.execute(q).mappings())


def find_host(conn: Connection, org_id: int | None, name: str) -> RowMapping | None:
    """A host by name in ``org_id`` (any organisation's first when None)."""
    q = sa.select(H).where(H.c.name == name).order_by(H.c.id).limit(1)
    if org_id is not None:
        q = q.where(H.c.org_id == org_id)
    return conn.execute(q).mappings().first()


def software_of(conn: Connection, host_ids: Sequence[int]) -> dict[int, list[str]]:
    """The products of each host, in the order they were written."""
    out: dict[int, list[str]] = {int(i): [] for i in host_ids}
    if not host_ids:
        return out
    q = sa.select(S.c.host_id, S.c.cpe).where(S.c.host_id.in_(list(host_ids)))
    for row in conn.execute(q.order_by(S.c.host_id, S.c.position)):
        out[int(row.host_id)].append(str(row.cpe))
    return out


def _write_software(conn: Connection, host_id: int, software: Sequence[str]) -> None:
    conn.execute(sa.delete(S).where(S.c.host_id == host_id))
    if software:
        rows = [{"host_id": host_id, "position": i, "cpe": c} for i, c in enumerate(software)]
        conn.execute(sa.insert(S), rows)


def insert_host(conn: Connection, software: Sequence[str], **values: object) -> int:
    """Store a new host and its products; its id."""
    host_id = int(conn.execute(sa.insert(H).values(**values).returning(H.c.id)).scalar_one())
    _write_software(conn, host_id, software)
    return host_id


def update_host(conn: Connection, host_id: int, software: Sequence[str], **values: object) -> None:
    """Replace a host's fields and its products."""
    conn.execute(sa.update(H).where(H.c.id == host_id).values(**values))
    _write_software(conn, host_id, software)


def delete_host(conn: Connection, host_id: int) -> None:
    """Remove a host and its products."""
    conn.execute(sa.delete(S).where(S.c.host_id == host_id))
    conn.execute(sa.delete(H).where(H.c.id == host_id))
