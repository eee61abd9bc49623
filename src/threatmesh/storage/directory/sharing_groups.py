"""Sharing groups of this instance: the statements that find, read, add and change
them and their members (organisations, and servers: 0 is this instance).

Which groups a user may read is
:func:`threatmesh.storage.directory.records.readable_sharing_groups`; groups
received from other instances are recreated by :mod:`threatmesh.storage.sync.groups`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.core.tables import (
    organisations,
    sharing_group_orgs,
    sharing_group_servers,
    sharing_groups,
)

_OWNER = organisations.alias("owner")
_SGO, _SGS = sharing_group_orgs, sharing_group_servers
_MEMBERS = sa.union_all(
    sa.select(
        _SGO.c.sharing_group_id.label("sg_id"),
        sa.literal("org").label("kind"),
        _SGO.c.org_id.label("member_id"),
        _SGO.c.extend.label("flag"),
        organisations.c.name.label("member_name"),
        organisations.c.uuid.label("member_uuid"),
        _SGO.c.id.label("member_row"),
    ).join(organisations, organisations.c.id == _SGO.c.org_id),
    sa.select(
        _SGS.c.sharing_group_id,
        sa.literal("server"),
        _SGS.c.server_id,
        _SGS.c.all_orgs,
        sa.null(),
        sa.null(),
        _SGS.c.id,
    ),
).subquery("members")
_VIEW_ROWS = (
    sa.select(
        sharing_groups,
        _OWNER.c.name.label("owner_name"),
        _OWNER.c.uuid.label("owner_uuid"),
        *(c for c in _MEMBERS.c if c.name != "sg_id"),
    )
    .select_from(
        sharing_groups.join(_OWNER, _OWNER.c.id == sharing_groups.c.org_id).outerjoin(
            _MEMBERS, _MEMBERS.c.sg_id == sharing_groups.c.id
        )
    )
    .where(sharing_groups.c.id.in_(sa.bindparam("sg_ids", expanding=True)))
    .order_by(sharing_groups.c.id, _MEMBERS.c.kind, _MEMBERS.c.member_row)
)


def find_sharing_group(conn: Connection, ref: str) -> RowMapping | None:
    """A sharing group by id, UUID or name."""
    sg = sharing_groups
    num = as_id(ref)
    cond = sg.c.id == num if num is not None else sa.or_(sg.c.uuid == ref.lower(), sg.c.name == ref)
    return conn.execute(sa.select(sg).where(cond)).mappings().first()


def sharing_group(conn: Connection, sg_id: int) -> RowMapping:
    """Sharing group ``sg_id`` (it exists)."""
    q = sa.select(sharing_groups).where(sharing_groups.c.id == sg_id)
    return conn.execute(q).mappings().one()


def member_orgs(conn: Connection, sg_id: int) -> list[RowMapping]:
    """The organisations of group ``sg_id``: ``org_id``, ``extend``, and the
    organisation's ``name`` and ``uuid``."""
    q = (
        sa.select(
            sharing_group_orgs.c.org_id,
            sharing_group_orgs.c.extend,
            organisations.c.name,
            organisations.c.uuid,
        )
        .join(organisations, organisations.c.id == sharing_group_orgs.c.org_id)
        .where(sharing_group_orgs.c.sharing_group_id == sg_id)
        .order_by(sharing_group_orgs.c.id)
    )
    return list(conn.execute(q).mappings())


def view_rows(conn: Connection, sg_ids: Iterable[int]) -> list[RowMapping]:
    """Groups ``sg_ids`` as event views show them, in one statement: one row per member
    (``kind`` "org": ``member_id`` is the organisation, ``flag`` its ``extend``, with
    ``member_name``/``member_uuid``; "server": ``member_id`` is the server, ``flag`` its
    ``all_orgs``), or one row with ``kind`` None for a group without members; each row
    has the group's columns and its owner's ``owner_name``/``owner_uuid``."""
    wanted = sorted(set(sg_ids))
    if not wanted:
        return []
    return list(conn.execute(_VIEW_ROWS, {"sg_ids": wanted}).mappings())


def member_servers(conn: Connection, sg_id: int) -> list[RowMapping]:
    """The server entries of group ``sg_id`` (``server_id``, ``all_orgs``)."""
    q = (
        sa.select(sharing_group_servers)
        .where(sharing_group_servers.c.sharing_group_id == sg_id)
        .order_by(sharing_group_servers.c.id)
    )
    return list(conn.execute(q).mappings())


def owners(conn: Connection) -> list[tuple[int, int]]:
    """(id, owner organisation id) of every sharing group, by id."""
    q = sa.select(sharing_groups.c.id, sharing_groups.c.org_id).order_by(sharing_groups.c.id)
    return [(int(i), int(org)) for i, org in conn.execute(q).all()]


def name_or_uuid_taken(conn: Connection, name: str, sg_uuid: str) -> bool:
    """Whether a sharing group already has the name ``name`` or the UUID ``sg_uuid``."""
    sg = sharing_groups.c
    q = sa.select(sg.id).where(sa.or_(sg.name == name, sg.uuid == sg_uuid))
    return conn.execute(q).first() is not None


def insert_sharing_group(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a sharing group row (no members yet); its id."""
    stmt = sharing_groups.insert().returning(sharing_groups.c.id)
    return int(conn.execute(stmt, dict(values)).scalar_one())


def update_sharing_group(conn: Connection, sg_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on sharing group ``sg_id``."""
    conn.execute(sharing_groups.update().where(sharing_groups.c.id == sg_id).values(**values))


def delete_sharing_group(conn: Connection, sg_id: int) -> None:
    """Delete group ``sg_id`` (its member rows go with it)."""
    conn.execute(sharing_groups.delete().where(sharing_groups.c.id == sg_id))


def remove_org(conn: Connection, sg_id: int, org_id: int) -> None:
    """Take organisation ``org_id`` out of group ``sg_id`` (nothing if not a member)."""
    m = sharing_group_orgs.c
    conn.execute(sharing_group_orgs.delete().where(m.sharing_group_id == sg_id, m.org_id == org_id))


def add_org(conn: Connection, sg_id: int, org_id: int, *, extend: bool) -> None:
    """Make organisation ``org_id`` a member of group ``sg_id`` (``extend``: it may
    add members)."""
    conn.execute(
        sharing_group_orgs.insert(),
        {"sharing_group_id": sg_id, "org_id": org_id, "extend": extend},
    )


def remove_server(conn: Connection, sg_id: int, server_id: int) -> None:
    """Take server ``server_id`` out of group ``sg_id`` (nothing if not listed)."""
    m = sharing_group_servers.c
    conn.execute(
        sharing_group_servers.delete().where(m.sharing_group_id == sg_id, m.server_id == server_id)
    )


def add_server(conn: Connection, sg_id: int, server_id: int, *, all_orgs: bool) -> None:
    """List server ``server_id`` (0: this instance) in group ``sg_id`` (``all_orgs``:
    every organisation of that server is a member)."""
    conn.execute(
        sharing_group_servers.insert(),
        {"sharing_group_id": sg_id, "server_id": server_id, "all_orgs": all_orgs},
    )
