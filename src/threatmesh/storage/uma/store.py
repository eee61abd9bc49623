"""UMA resources, producers' policies and permission tickets (rows only)."""

from __future__ import annotations

import functools
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.driver import insert_ignore, insert_ignore_for
from threatmesh.storage.core.tables import event_tags, events, sharing_groups, tags
from threatmesh.storage.events import reads
from threatmesh.storage.uma.tables import uma_policies, uma_resources, uma_tickets

#: Kinds of resource: one event, or the owner's events carrying a tag / in a sharing group.
KINDS = ("event", "tag", "sharing_group")


def ensure_resource(
    conn: Connection,
    *,
    owner_org_id: int,
    kind: str,
    ref: str,
    name: str,
    scopes: Sequence[str],
    now: int,
) -> RowMapping:
    """The resource (owner, kind, ref), registered now if it was not (race-safe)."""
    row = find_resource(conn, owner_org_id=owner_org_id, kind=kind, ref=ref)
    if row is not None:
        return row
    values = {
        "resource_id": str(uuidlib.uuid4()),
        "owner_org_id": owner_org_id,
        "kind": kind,
        "ref": ref,
        "name": name[:255],
        "scopes": orjson.dumps(sorted(scopes)).decode(),
        "created": now,
    }
    conn.execute(insert_ignore(conn, uma_resources), values)
    found = find_resource(conn, owner_org_id=owner_org_id, kind=kind, ref=ref)
    assert found is not None  # inserted just now, or by a concurrent writer
    return found


_r = uma_resources.c
# Built once: constructing a statement costs more than running it (hot UMA paths).
_FIND = sa.select(uma_resources).where(
    _r.owner_org_id == sa.bindparam("owner"),
    _r.kind == sa.bindparam("kind"),
    _r.ref == sa.bindparam("ref"),
)
_UNREDEEMED = sa.select(uma_resources).where(
    _r.resource_id == sa.bindparam("rsid"),
    ~sa.exists().where(uma_tickets.c.ticket_hash == sa.bindparam("ticket_hash")),
)


def _event_with_resource_query() -> sa.Select[Any]:
    registered = sa.and_(
        _r.owner_org_id == events.c.orgc_id, _r.kind == "event", _r.ref == events.c.uuid
    )
    return (
        reads.event_query()
        .add_columns(_r.resource_id.label("event_rsid"))
        .join_from(events, uma_resources, registered, isouter=True)
        .where(events.c.uuid == sa.bindparam("uuid"))
    )


_EVENT_WITH_RESOURCE = _event_with_resource_query()


def event_with_resource(conn: Connection, uuid: str) -> RowMapping | None:
    """The event ``uuid`` as :func:`threatmesh.storage.events.reads.event_query` reads it, plus
    ``event_rsid``: the public id of its UMA resource, None until registered (one query)."""
    return conn.execute(_EVENT_WITH_RESOURCE, {"uuid": uuid}).mappings().first()


def sharing_group_id(conn: Connection, uuid: str) -> int | None:
    """The id of the sharing group ``uuid`` (a collection resource's ref), or None."""
    q = sa.select(sharing_groups.c.id).where(sharing_groups.c.uuid == uuid)
    found = conn.execute(q).scalar()
    return None if found is None else int(found)


def find_resource(conn: Connection, *, owner_org_id: int, kind: str, ref: str) -> RowMapping | None:
    """The resource (owner, kind, ref) if registered."""
    return conn.execute(_FIND, {"owner": owner_org_id, "kind": kind, "ref": ref}).mappings().first()


def resource_by_id(conn: Connection, resource_id: str) -> RowMapping | None:
    """The resource with public id ``resource_id``."""
    q = sa.select(uma_resources).where(uma_resources.c.resource_id == resource_id)
    return conn.execute(q).mappings().first()


def resources_of(conn: Connection, owner_org_id: int) -> list[RowMapping]:
    """The resources an organisation registered."""
    q = (
        sa.select(uma_resources)
        .where(uma_resources.c.owner_org_id == owner_org_id)
        .order_by(uma_resources.c.id)
    )
    return list(conn.execute(q).mappings())


def add_policy(
    conn: Connection, *, resource_pk: int, rule: dict[str, object], user_id: int, now: int
) -> str:
    """Store a policy on a resource; return its UUID."""
    policy_uuid = str(uuidlib.uuid4())
    conn.execute(
        uma_policies.insert().values(
            uuid=policy_uuid,
            resource_id=resource_pk,
            rule=orjson.dumps(rule).decode(),
            created_by=user_id,
            created=now,
        )
    )
    return policy_uuid


def policies_on(conn: Connection, resource_pks: Sequence[int]) -> list[RowMapping]:
    """The policies on any of these resources."""
    if not resource_pks:
        return []
    q = (
        sa.select(uma_policies)
        .where(uma_policies.c.resource_id.in_(list(resource_pks)))
        .order_by(uma_policies.c.id)
    )
    return list(conn.execute(q).mappings())


def _policies_for_event_query() -> sa.Select[Any]:
    uuid: sa.BindParameter[str] = sa.bindparam("event_uuid")
    tag_names = (
        sa.select(tags.c.name)
        .join(event_tags, event_tags.c.tag_id == tags.c.id)
        .join(events, events.c.id == event_tags.c.event_id)
        .where(events.c.uuid == uuid)
    )
    group = (
        sa.select(sharing_groups.c.uuid)
        .join(events, events.c.sharing_group_id == sharing_groups.c.id)
        .where(events.c.uuid == uuid)
    )
    collections = sa.and_(
        _r.owner_org_id == sa.bindparam("owner"),
        sa.or_(
            sa.and_(_r.kind == "tag", _r.ref.in_(tag_names)),
            sa.and_(_r.kind == "sharing_group", _r.ref.in_(group)),
        ),
    )
    return (
        sa.select(uma_policies)
        .join(uma_resources, _r.id == uma_policies.c.resource_id)
        .where(sa.or_(_r.id == sa.bindparam("pk"), collections))
        .order_by(uma_policies.c.id)
    )


_POLICIES_FOR_EVENT = _policies_for_event_query()


def policies_for_event(
    conn: Connection, *, resource_pk: int, owner_org_id: int, event_uuid: str
) -> list[RowMapping]:
    """The policies on an event's resource and on the owner's collections holding the
    event (a tag it carries, its sharing group), in one query."""
    params = {"pk": resource_pk, "owner": owner_org_id, "event_uuid": event_uuid}
    return list(conn.execute(_POLICIES_FOR_EVENT, params).mappings())


def policies_of(conn: Connection, owner_org_id: int) -> list[RowMapping]:
    """Every policy an organisation set, with its resource's public id, kind and ref."""
    q = (
        sa.select(
            uma_policies,
            uma_resources.c.resource_id.label("rsid"),
            uma_resources.c.kind,
            uma_resources.c.ref,
        )
        .join(uma_resources, uma_resources.c.id == uma_policies.c.resource_id)
        .where(uma_resources.c.owner_org_id == owner_org_id)
        .order_by(uma_policies.c.id)
    )
    return list(conn.execute(q).mappings())


def delete_policy(conn: Connection, *, policy_uuid: str, owner_org_id: int) -> bool:
    """Remove an organisation's policy; False if it has none with that UUID."""
    owned = sa.select(uma_resources.c.id).where(uma_resources.c.owner_org_id == owner_org_id)
    done = conn.execute(
        uma_policies.delete().where(
            uma_policies.c.uuid == policy_uuid, uma_policies.c.resource_id.in_(owned)
        )
    )
    return bool(done.rowcount)


def unredeemed_resource(conn: Connection, resource_id: str, ticket_hash: str) -> RowMapping | None:
    """The resource a ticket names, unless that ticket was redeemed already (one query)."""
    params = {"rsid": resource_id, "ticket_hash": ticket_hash}
    return conn.execute(_UNREDEEMED, params).mappings().first()


def redeemed(conn: Connection, ticket_hash: str) -> bool:
    """Whether the ticket with this hash was redeemed already."""
    q = sa.select(uma_tickets.c.ticket_hash).where(uma_tickets.c.ticket_hash == ticket_hash)
    return conn.execute(q).first() is not None


def redeem_ticket(
    conn: Connection,
    *,
    ticket_hash: str,
    resource_pk: int | None,
    scopes: Sequence[str],
    expires: int,
) -> bool:
    """Record a ticket as redeemed (``resource_pk`` None: a ticket for a resource that
    is not registered, see ``privacy.authz.resources``); False if another request
    redeemed it first."""
    values = {
        "ticket_hash": ticket_hash,
        "resource_id": resource_pk,
        "scopes": orjson.dumps(sorted(scopes)).decode(),
        "expires": expires,
        "used": True,
    }
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    return conn.execute(_redeem(conn.dialect.name), values).first() is not None


@functools.cache
def _redeem(dialect: str) -> Any:
    return insert_ignore_for(dialect, uma_tickets).returning(uma_tickets.c.ticket_hash)


def purge_tickets(conn: Connection, now: int) -> None:
    """Forget redeemed tickets that expired (they could not be redeemed again anyway)."""
    conn.execute(uma_tickets.delete().where(uma_tickets.c.expires <= now))
