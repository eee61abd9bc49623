"""Event delegation requests (MISP's ``EventDelegation``): statements only; who may
make, see, accept or discard one is decided in
:mod:`threatmesh.services.collab.delegations`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.collab.tables import event_delegations as D
from threatmesh.storage.core.tables import events, organisations

#: The event fields MISP's ``eventDelegations/index`` shows with each request.
EVENT_FIELDS = ("id", "info", "uuid", "analysis", "distribution", "threat_level_id", "date",
                "attribute_count")  # fmt: skip
_ORG = organisations.alias("org")
_REQUESTER = organisations.alias("requester_org")


def add(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a request; its id."""
    return int(conn.execute(D.insert().returning(D.c.id), dict(values)).scalar_one())


def by_id(conn: Connection, delegation_id: int) -> RowMapping | None:
    """The request ``delegation_id``, or None."""
    return conn.execute(sa.select(D).where(D.c.id == delegation_id)).mappings().first()


def of_event(conn: Connection, event_id: int) -> RowMapping | None:
    """The pending request on event ``event_id``, or None."""
    return conn.execute(sa.select(D).where(D.c.event_id == event_id)).mappings().first()


def delete(conn: Connection, delegation_id: int) -> None:
    """Remove the request ``delegation_id``."""
    conn.execute(D.delete().where(D.c.id == delegation_id))


def listing(conn: Connection, *, issued: bool, org_id: int, value: str = "") -> list[RowMapping]:
    """The requests ``org_id`` received (or, with ``issued``, made), newest first, with
    their event's fields (``event__*``) and both organisations (``org__*``,
    ``requester_org__*``); ``value`` keeps those whose message, event info or
    organisation names contain it (case-insensitive), as MISP's ``value`` filter."""
    columns: list[Any] = [D, *(events.c[f].label(f"event__{f}") for f in EVENT_FIELDS)]
    for alias, prefix in ((_ORG, "org"), (_REQUESTER, "requester_org")):
        columns += [alias.c[f].label(f"{prefix}__{f}") for f in ("id", "name", "uuid")]
    query = (
        sa.select(*columns)
        .join(events, events.c.id == D.c.event_id)
        .join(_ORG, _ORG.c.id == D.c.org_id)
        .join(_REQUESTER, _REQUESTER.c.id == D.c.requester_org_id)
        .where((D.c.requester_org_id if issued else D.c.org_id) == org_id)
        .order_by(D.c.id.desc())
    )
    if value:
        pattern = f"%{value.lower()}%"
        texts = (D.c.message, events.c.info, _ORG.c.name, _REQUESTER.c.name)
        query = query.where(sa.or_(*(sa.func.lower(t).like(pattern) for t in texts)))
    return list(conn.execute(query).mappings())
