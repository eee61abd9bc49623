"""UMA resources, producers' policies and permission tickets (rows only)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.trust_tables import uma_policies, uma_resources, uma_tickets
from threatmesh.storage.writes import insert_ignore

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


def find_resource(conn: Connection, *, owner_org_id: int, kind: str, ref: str) -> RowMapping | None:
    """The resource (owner, kind, ref) if registered."""
    r = uma_resources.c
    q = sa.select(uma_resources).where(r.owner_org_id == owner_org_id, r.kind == kind, r.ref == ref)
    return conn.execute(q).mappings().first()


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


def collections_covering(
    conn: Connection, *, owner_org_id: int, tag_names: Sequence[str], sharing_group: str | None
) -> list[RowMapping]:
    """The owner's collection resources an event with these tags and group belongs to."""
    r = uma_resources.c
    conds = [sa.and_(r.kind == "tag", r.ref.in_(list(tag_names)))] if tag_names else []
    if sharing_group:
        conds.append(sa.and_(r.kind == "sharing_group", r.ref == sharing_group))
    if not conds:
        return []
    q = sa.select(uma_resources).where(r.owner_org_id == owner_org_id, sa.or_(*conds))
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


def add_ticket(
    conn: Connection, *, ticket_hash: str, resource_pk: int, scopes: Sequence[str], expires: int
) -> None:
    """Store a permission ticket (its hash)."""
    conn.execute(
        uma_tickets.insert().values(
            ticket_hash=ticket_hash,
            resource_id=resource_pk,
            scopes=orjson.dumps(sorted(scopes)).decode(),
            expires=expires,
        )
    )


def live_ticket(conn: Connection, ticket_hash: str, now: int) -> RowMapping | None:
    """The unused, unexpired ticket with this hash, joined with its resource."""
    t = uma_tickets.c
    q = (
        sa.select(
            uma_tickets,
            uma_resources.c.resource_id.label("rsid"),
            uma_resources.c.owner_org_id,
            uma_resources.c.kind,
            uma_resources.c.ref,
        )
        .join(uma_resources, uma_resources.c.id == t.resource_id)
        .where(t.ticket_hash == ticket_hash, t.used.is_(False), t.expires > now)
    )
    return conn.execute(q).mappings().first()


def use_ticket(conn: Connection, ticket_hash: str) -> bool:
    """Mark the ticket used; False if another request used it first (single use)."""
    t = uma_tickets.c
    done = conn.execute(
        uma_tickets.update()
        .where(t.ticket_hash == ticket_hash, t.used.is_(False))
        .values(used=True)
    )
    return done.rowcount == 1


def purge_tickets(conn: Connection, now: int) -> None:
    """Forget tickets that expired (they can no longer be used anyway)."""
    conn.execute(uma_tickets.delete().where(uma_tickets.c.expires <= now))
