"""asset inventory: hosts per organisation and the products (CPE 2.3) they run

Revision ID: 0019
Revises: 0014 (re-chained at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inventory_hosts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("exposure", sa.String(16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_inventory_hosts_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_hosts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_inventory_hosts_uuid")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_inventory_hosts_org_id_name")),
    )
    op.create_table(
        "inventory_software",
        sa.Column("host_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("cpe", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["inventory_hosts.id"],
            name=op.f("fk_inventory_software_host_id_inventory_hosts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("host_id", "position", name=op.f("pk_inventory_software")),
    )


def downgrade() -> None:
    op.drop_table("inventory_software")
    op.drop_table("inventory_hosts")
