"""smaller indexes: value keys, attribute UUIDs by hash on PostgreSQL, a leaner ip_index

The b-trees over ``value1`` and ``value2`` held every value a second time; the value
index now covers 4-byte keys of them (``threatmesh.storage.correlation.value_index``); existing
rows get their keys here, a batch at a time. On PostgreSQL the unique b-tree on
``attributes.uuid`` becomes an exclusion constraint over a hash index, which enforces
the same uniqueness in about half the space. ``ip_index`` loses ``event_id`` (never
read) and keeps ``hi`` only for networks (NULL for a single address).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from threatmesh.storage.correlation.value_index import row_keys

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 5000
_log = logging.getLogger("alembic.runtime.migration")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
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
    last = done = 0
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
        done += len(rows)
        if done % 100_000 < _BATCH:  # a long backfill says how far it is
            _log.info("value keys: %d attributes done", done)


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
        # fillfactor 100: random UUIDs spread evenly over the buckets, so the default
        # 25% head-room per bucket page would mostly stay empty.
        op.execute(
            "ALTER TABLE attributes ADD CONSTRAINT uq_attributes_uuid "
            "EXCLUDE USING hash (uuid WITH =) WITH (fillfactor = 100)"
        )
    _leaner_ip_index()


def _networks_index(where: str) -> None:
    """The partial index of the stored networks (``where`` says which rows they are)."""
    op.create_index(
        "ix_ip_index_networks",
        "ip_index",
        ["lo", "hi"],
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _leaner_ip_index() -> None:
    op.drop_index("ix_ip_index_networks", table_name="ip_index")
    # Nothing references ip_index, so SQLite may rebuild it (batch mode) safely.
    with op.batch_alter_table("ip_index") as batch:
        batch.drop_column("event_id")
        batch.alter_column("hi", existing_type=sa.LargeBinary(16), nullable=True)
    op.execute("UPDATE ip_index SET hi = NULL WHERE hi = lo")
    _networks_index("hi IS NOT NULL")


def _fuller_ip_index() -> None:
    op.drop_index("ix_ip_index_networks", table_name="ip_index")
    op.execute("UPDATE ip_index SET hi = lo WHERE hi IS NULL")
    with op.batch_alter_table("ip_index") as batch:
        batch.alter_column("hi", existing_type=sa.LargeBinary(16), nullable=False)
        batch.add_column(sa.Column("event_id", _ID, nullable=False, server_default="0"))
    op.execute(
        "UPDATE ip_index SET event_id = "
        "(SELECT event_id FROM attributes WHERE attributes.id = ip_index.attribute_id)"
    )
    _networks_index("lo <> hi")


def downgrade() -> None:
    _fuller_ip_index()
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
