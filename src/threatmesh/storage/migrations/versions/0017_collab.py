"""collaboration: blocklists, correlation exclusions, event reports, analyst data, feeds

MISP's ``event_blocklists``, ``org_blocklists``, ``correlation_exclusions``,
``event_reports`` and ``feeds`` tables; its ``notes``, ``opinions`` and ``relationships``
share ``analyst_data`` (issue 16, WP5).

Revision ID: 0017
Revises: 0014 (re-chained at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = (
    "event_reports",
    "org_blocklists",
    "feeds",
    "event_blocklists",
    "correlation_exclusions",
    "analyst_data",
)


def upgrade() -> None:
    op.create_table(
        "analyst_data",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_uuid", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=80), nullable=False),
        sa.Column("authors", sa.Text(), server_default="", nullable=False),
        sa.Column("org_uuid", sa.String(length=36), nullable=False),
        sa.Column("orgc_uuid", sa.String(length=36), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.Column("distribution", sa.SmallInteger(), nullable=False),
        sa.Column("sharing_group_id", _ID, server_default="0", nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("opinion", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("relationship_type", sa.String(length=255), nullable=True),
        sa.Column("related_object_uuid", sa.String(length=36), nullable=True),
        sa.Column("related_object_type", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyst_data")),
        sa.UniqueConstraint("uuid", name=op.f("uq_analyst_data_uuid")),
    )
    op.create_index(
        op.f("ix_analyst_data_object_uuid"), "analyst_data", ["object_uuid"], unique=False
    )
    op.create_table(
        "correlation_exclusions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("value", sa.String(length=1024), nullable=False),
        sa.Column("from_json", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("match", sa.String(length=8), server_default="exact", nullable=False),
        sa.Column("stem", sa.String(length=1024), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correlation_exclusions")),
        sa.UniqueConstraint("value", name=op.f("uq_correlation_exclusions_value")),
    )
    op.create_table(
        "event_blocklists",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("event_uuid", sa.String(length=40), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("event_info", sa.Text(), server_default="", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("event_orgc", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_blocklists")),
        sa.UniqueConstraint("event_uuid", name=op.f("uq_event_blocklists_event_uuid")),
    )
    op.create_table(
        "feeds",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("rules", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("sharing_group_id", _ID, server_default="0", nullable=False),
        sa.Column("tag_id", _ID, server_default="0", nullable=False),
        sa.Column("default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("source_format", sa.String(length=255), server_default="misp", nullable=False),
        sa.Column("fixed_event", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("delta_merge", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("event_id", _ID, server_default="0", nullable=False),
        sa.Column("publish", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("override_ids", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=True),
        sa.Column("input_source", sa.String(length=255), server_default="network", nullable=False),
        sa.Column("delete_local_file", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("lookup_visible", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("caching_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("force_to_ids", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("orgc_id", _ID, server_default="0", nullable=False),
        sa.Column("tag_collection_id", _ID, server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
    )
    op.create_table(
        "org_blocklists",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("org_uuid", sa.String(length=40), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("org_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_blocklists")),
        sa.UniqueConstraint("org_uuid", name=op.f("uq_org_blocklists_org_uuid")),
    )
    op.create_table(
        "event_reports",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="5", nullable=False),
        sa.Column("sharing_group_id", _ID, server_default="0", nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_reports_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reports")),
        sa.UniqueConstraint("uuid", name=op.f("uq_event_reports_uuid")),
    )
    op.create_index(op.f("ix_event_reports_event_id"), "event_reports", ["event_id"], unique=False)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
