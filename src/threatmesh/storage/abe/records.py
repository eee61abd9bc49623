"""Reads and writes of the key authority's and protected intelligence's tables."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.abe.tables import (
    abe_epochs,
    abe_index_keys,
    abe_key_issuance,
    abe_revocations,
)
from threatmesh.storage.core.tables import organisations, roles, users


def current_epoch(conn: Connection) -> RowMapping | None:
    """The newest epoch row (epoch, public_key, ...), or None before the first setup."""
    q = sa.select(abe_epochs).order_by(abe_epochs.c.epoch.desc()).limit(1)
    return conn.execute(q).mappings().first()


def epoch_row(conn: Connection, epoch: int) -> RowMapping | None:
    """The row of ``epoch``, or None."""
    return conn.execute(sa.select(abe_epochs).where(abe_epochs.c.epoch == epoch)).mappings().first()


def add_epoch(conn: Connection, epoch: int, public_key: str, now: int, reason: str) -> None:
    """Publish the public key of a new epoch."""
    conn.execute(
        abe_epochs.insert().values(epoch=epoch, public_key=public_key, created=now, reason=reason)
    )


def user_facts(conn: Connection, user_id: int) -> RowMapping | None:
    """A user's organisation name, sector, nationality and role name."""
    q = (
        sa.select(
            users.c.id,
            organisations.c.name.label("org"),
            organisations.c.sector,
            organisations.c.nationality,
            roles.c.name.label("role"),
        )
        .select_from(users.join(organisations).join(roles))
        .where(users.c.id == user_id)
    )
    return conn.execute(q).mappings().first()


def record_issuance(
    conn: Connection, *, user_id: int, epoch: int, attributes: list[str], fingerprint: str, now: int
) -> None:
    """Remember that a key was issued (never the key itself)."""
    conn.execute(
        abe_key_issuance.insert().values(
            user_id=user_id,
            epoch=epoch,
            attributes=json.dumps(attributes),
            recipient_fingerprint=fingerprint,
            issued=now,
        )
    )


def issuances(conn: Connection, user_id: int) -> list[RowMapping]:
    """The issuance records of a user, oldest first."""
    q = sa.select(abe_key_issuance).where(abe_key_issuance.c.user_id == user_id)
    return list(conn.execute(q.order_by(abe_key_issuance.c.id)).mappings())


def revocation(conn: Connection, user_id: int) -> RowMapping | None:
    """The user's revocation, if any."""
    q = sa.select(abe_revocations).where(abe_revocations.c.user_id == user_id)
    return conn.execute(q).mappings().first()


def revoke(conn: Connection, *, user_id: int, by: int, now: int, from_epoch: int) -> None:
    """Mark a user as revoked from ``from_epoch`` on."""
    conn.execute(
        abe_revocations.insert().values(
            user_id=user_id, revoked_by=by, revoked=now, from_epoch=from_epoch
        )
    )


def add_index_key(
    conn: Connection, *, uuid: str, org_id: int, policy: str, envelope: str, now: int
) -> None:
    """Store a blind-index key, CP-ABE-encrypted under ``policy``."""
    conn.execute(
        abe_index_keys.insert().values(
            uuid=uuid, org_id=org_id, policy=policy, envelope=envelope, created=now
        )
    )


def index_key(conn: Connection, uuid: str) -> RowMapping | None:
    """A stored blind-index key by UUID."""
    q = sa.select(abe_index_keys).where(abe_index_keys.c.uuid == uuid)
    return conn.execute(q).mappings().first()
