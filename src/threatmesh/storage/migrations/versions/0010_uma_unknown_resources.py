"""uma unknown resources: tickets for resources that are not registered

A challenge for an event that does not exist hands out a ticket for a resource id
that is never registered (so the resource server does not reveal which event UUIDs
exist). Redeeming such a ticket is refused like a denied one, and the ticket is used
up like any other: its hash is recorded with no resource.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("uma_tickets", schema=None) as batch_op:
        batch_op.alter_column("resource_id", existing_type=_ID, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM uma_tickets WHERE resource_id IS NULL")
    with op.batch_alter_table("uma_tickets", schema=None) as batch_op:
        batch_op.alter_column("resource_id", existing_type=_ID, nullable=False)
