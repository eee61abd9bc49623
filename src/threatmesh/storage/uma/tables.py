"""Tables of UMA 2.0: resources, producers' policies and permission tickets (on the
shared ``metadata`` of :mod:`threatmesh.storage.core.tables`)."""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

# A UMA resource: one event, or a collection of the owner's events (a tag, a sharing group).
uma_resources = sa.Table(
    "uma_resources",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("resource_id", sa.String(36), nullable=False, unique=True),
    sa.Column("owner_org_id", Id, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("ref", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False, server_default=""),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("owner_org_id", "kind", "ref"),
)

# A producer's rule: who (organisations, sectors, countries, roles, trust, claims) gets
# which scopes on one resource. ``rule`` is the JSON of privacy.authz.policy.Policy.
uma_policies = sa.Table(
    "uma_policies",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column(
        "resource_id", Id, sa.ForeignKey("uma_resources.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("created_by", Id, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Index(None, "resource_id"),
)

# Permission tickets; only a hash of the ticket is kept, and ``used`` makes them single-use.
# ``resource_id`` is NULL for a ticket naming a resource that was never registered (a
# challenge for an event that does not exist): it is used up like any other.
uma_tickets = sa.Table(
    "uma_tickets",
    metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column(
        "resource_id", Id, sa.ForeignKey("uma_resources.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
)
