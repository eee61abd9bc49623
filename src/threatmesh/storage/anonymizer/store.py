"""Reads and writes of stored policies, their bindings to recipients, and budgets."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.anonymizer.tables import (
    anonymizer_bindings,
    anonymizer_policies,
    privacy_budgets,
)
from threatmesh.storage.core.driver import insert_ignore
from threatmesh.storage.core.tables import organisations, servers

P, B, BUD = anonymizer_policies, anonymizer_bindings, privacy_budgets
#: Columns safe to show: everything but the secret keys.
PUBLIC = (P.c.id, P.c.uuid, P.c.name, P.c.document, P.c.org_id, P.c.created, P.c.modified)


def find_policy(conn: Connection, ref: str, *, with_secret: bool = False) -> RowMapping | None:
    """A policy by id, UUID or name."""
    cols = (*PUBLIC, P.c.secret) if with_secret else PUBLIC
    cond = (
        P.c.id == int(ref)
        if ref.isascii() and ref.isdigit()
        else sa.or_(P.c.uuid == ref.lower(), P.c.name == ref)
    )
    return conn.execute(sa.select(*cols).where(cond)).mappings().first()


def list_policies(conn: Connection) -> list[RowMapping]:
    """Every stored policy (without secrets), by name."""
    return list(conn.execute(sa.select(*PUBLIC).order_by(P.c.name)).mappings())


def insert_policy(conn: Connection, **values: object) -> int:
    """Store a new policy row; its id."""
    return int(conn.execute(sa.insert(P).values(**values).returning(P.c.id)).scalar_one())


def update_policy(conn: Connection, policy_id: int, **values: object) -> None:
    """Change a policy's name/document (its keys stay, so pseudonyms stay stable)."""
    conn.execute(sa.update(P).where(P.c.id == policy_id).values(**values))


def delete_policy(conn: Connection, policy_id: int) -> None:
    """Remove a policy and, by cascade, its bindings."""
    conn.execute(sa.delete(B).where(B.c.policy_id == policy_id))
    conn.execute(sa.delete(P).where(P.c.id == policy_id))


def bind(conn: Connection, *, kind: str, ident: str, policy_id: int, now: int) -> None:
    """Bind ``policy_id`` to the recipient (replacing an earlier binding)."""
    conn.execute(sa.delete(B).where(B.c.kind == kind, B.c.ident == ident))
    conn.execute(sa.insert(B).values(kind=kind, ident=ident, policy_id=policy_id, created=now))


def unbind(conn: Connection, *, kind: str, ident: str) -> bool:
    """Remove a binding; whether there was one."""
    return bool(conn.execute(sa.delete(B).where(B.c.kind == kind, B.c.ident == ident)).rowcount)


def list_bindings(conn: Connection) -> list[RowMapping]:
    """Every binding with its policy's name."""
    q = (
        sa.select(
            B.c.kind,
            B.c.ident,
            B.c.created,
            P.c.uuid.label("policy_uuid"),
            P.c.name.label("policy_name"),
        )
        .join(P, P.c.id == B.c.policy_id)
        .order_by(B.c.kind, B.c.ident)
    )
    return list(conn.execute(q).mappings())


def bound_policies(conn: Connection, keys: list[tuple[str, str]]) -> list[RowMapping]:
    """The policies (with their secrets) bound to any of ``keys``, in the order of the
    keys, each policy once."""
    found: dict[int, RowMapping] = {}
    for kind, ident in keys:
        q = (
            sa.select(*PUBLIC, P.c.secret)
            .join(B, B.c.policy_id == P.c.id)
            .where(B.c.kind == kind, B.c.ident == ident)
        )
        for row in conn.execute(q).mappings():
            found.setdefault(int(row["id"]), row)
    return list(found.values())


def server_org_uuid(conn: Connection, server_id: int) -> str | None:
    """The UUID of the remote organisation of server connection ``server_id``."""
    q = (
        sa.select(organisations.c.uuid)
        .join(servers, servers.c.remote_org_id == organisations.c.id)
        .where(servers.c.id == server_id)
    )
    found = conn.execute(q).scalar()
    return str(found) if found else None


def budget(conn: Connection, *, kind: str, ident: str) -> RowMapping | None:
    """The recipient's budget row, or None."""
    q = sa.select(BUD).where(BUD.c.kind == kind, BUD.c.ident == ident)
    return conn.execute(q).mappings().first()


def set_budget(conn: Connection, *, kind: str, ident: str, total: float, now: int) -> None:
    """Grant ``total`` epsilon to the recipient (what was spent stays spent)."""
    ensure_budget(conn, kind=kind, ident=ident, total=total, now=now)
    conn.execute(
        sa.update(BUD)
        .where(BUD.c.kind == kind, BUD.c.ident == ident)
        .values(epsilon_total=total, modified=now)
    )


def ensure_budget(conn: Connection, *, kind: str, ident: str, total: float, now: int) -> None:
    """Create the recipient's budget with ``total`` if it has none."""
    conn.execute(
        insert_ignore(conn, BUD).values(
            kind=kind, ident=ident, epsilon_total=total, epsilon_spent=0.0, modified=now
        )
    )


def charge(conn: Connection, *, kind: str, ident: str, epsilon: float, now: int) -> bool:
    """Spend ``epsilon`` if the budget covers it, in one conditional UPDATE (so two
    concurrent releases cannot both pass the check); whether it was spent."""
    done = conn.execute(
        sa.update(BUD)
        .where(
            BUD.c.kind == kind,
            BUD.c.ident == ident,
            BUD.c.epsilon_spent + epsilon <= BUD.c.epsilon_total + 1e-9,
        )
        .values(epsilon_spent=BUD.c.epsilon_spent + epsilon, modified=now)
    )
    return bool(done.rowcount)
