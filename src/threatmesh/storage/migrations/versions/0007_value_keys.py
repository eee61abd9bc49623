"""value index on 32-bit keys; hash exclusion constraint for attribute UUIDs on PostgreSQL

The b-trees over ``value1`` and ``value2`` held every value a second time; the value
index now covers 4-byte keys of them (``threatmesh.storage.value_index``). On
PostgreSQL the unique b-tree on ``attributes.uuid`` becomes an exclusion constraint
over a hash index, which enforces the same uniqueness in about half the space.
Existing rows get their keys here, a batch at a time.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from threatmesh.storage.value_index import row_keys

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 5000
_ATTRIBUTES = sa.table(
    "attributes",
    sa.column("id", sa.BigInteger),
    sa.column("value1", sa.Text),
    sa.column("value2", sa.Text),
    sa.column("value1_key", sa.Integer),
    sa.column("value2_key", sa.Integer),
)


def _backfill() -> None:
    conn = op.get_bind()
    a = _ATTRIBUTES
    update = (
        a.update()
        .where(a.c.id == sa.bindparam("row_id"))
        .values(value1_key=sa.bindparam("k1"), value2_key=sa.bindparam("k2"))
    )
    last = 0
    while True:
        q = sa.select(a.c.id, a.c.value1, a.c.value2).where(a.c.id > last)
        rows = conn.execute(q.order_by(a.c.id).limit(_BATCH)).all()
        if not rows:
            return
        params = []
        for row_id, value1, value2 in rows:
            keys = row_keys(value1, value2)
            params.append({"row_id": row_id, "k1": keys["value1_key"], "k2": keys["value2_key"]})
        conn.execute(update, params)
        last = rows[-1][0]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite cannot make a column NOT NULL later without rebuilding the table, and
        # a rebuild (DROP TABLE) with foreign keys on would cascade into ip_index, tags
        # and sightings. The default only serves this ALTER: every writer sets the key.
        op.execute("ALTER TABLE attributes ADD COLUMN value1_key INTEGER NOT NULL DEFAULT 0")
    else:
        op.add_column("attributes", sa.Column("value1_key", sa.Integer(), nullable=True))
    op.add_column("attributes", sa.Column("value2_key", sa.Integer(), nullable=True))
    _backfill()
    if not sqlite:
        op.alter_column("attributes", "value1_key", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_attributes_value1", table_name="attributes")
    op.drop_index("ix_attributes_value2", table_name="attributes")
    op.create_index("ix_attributes_value1_key", "attributes", ["value1_key"])
    op.create_index(
        "ix_attributes_value2_key",
        "attributes",
        ["value2_key"],
        sqlite_where=sa.text("value2_key IS NOT NULL"),
        postgresql_where=sa.text("value2_key IS NOT NULL"),
    )
    if not sqlite:
        op.drop_constraint("uq_attributes_uuid", "attributes", type_="unique")
        op.execute(
            "ALTER TABLE attributes ADD CONSTRAINT uq_attributes_uuid "
            "EXCLUDE USING hash (uuid WITH =)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("uq_attributes_uuid", "attributes")
        op.create_unique_constraint("uq_attributes_uuid", "attributes", ["uuid"])
    op.drop_index("ix_attributes_value2_key", table_name="attributes")
    op.drop_index("ix_attributes_value1_key", table_name="attributes")
    op.create_index("ix_attributes_value1", "attributes", ["value1"])
    op.create_index(
        "ix_attributes_value2",
        "attributes",
        ["value2"],
        sqlite_where=sa.text("value2 <> ''"),
        postgresql_where=sa.text("value2 <> ''"),
    )
    op.drop_column("attributes", "value2_key")
    op.drop_column("attributes", "value1_key")
