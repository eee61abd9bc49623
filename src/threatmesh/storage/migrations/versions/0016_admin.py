"""administration as MISP does: user settings, registrations, server settings

Users get MISP's password, PGP/S-MIME keys and NIDS SID; roles MISP's limits and
``restricted_to_site_admin``; new tables hold user settings, the registration inbox
and the server settings changed through the API.

Revision ID: 0016
Revises: 0014 (issue 16's packages land in parallel; re-chained at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_USER_COLUMNS = (
    ("password", sa.String(255), ""),
    ("last_pw_change", sa.BigInteger(), "0"),
    ("gpgkey", sa.Text(), ""),
    ("certif_public", sa.Text(), ""),
    ("nids_sid", sa.BigInteger(), "0"),
)
_ROLE_COLUMNS = (
    ("max_execution_time", sa.String(20), ""),
    ("memory_limit", sa.String(20), ""),
    ("enforce_rate_limit", sa.Boolean(), sa.false()),
    ("rate_limit_count", sa.Integer(), "0"),
    ("restricted_to_site_admin", sa.Boolean(), sa.false()),
)


def upgrade() -> None:
    for table, columns in (("users", _USER_COLUMNS), ("roles", _ROLE_COLUMNS)):
        for name, kind, default in columns:
            op.add_column(table, sa.Column(name, kind, nullable=False, server_default=default))
    op.create_table(
        "user_settings",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("setting", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_settings")),
        sa.UniqueConstraint("user_id", "setting", name=op.f("uq_user_settings_user_id_setting")),
    )
    op.create_table(
        "inbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("type", sa.String(191), nullable=False),
        sa.Column("ip", sa.String(191), server_default="", nullable=False),
        sa.Column("user_agent", sa.Text(), server_default="", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("uuid", name=op.f("uq_inbox_uuid")),
    )
    op.create_table(
        "server_settings",
        sa.Column("setting", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("setting", name=op.f("pk_server_settings")),
    )


def downgrade() -> None:
    op.drop_table("server_settings")
    op.drop_table("inbox")
    op.drop_table("user_settings")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch would
    # rebuild ``roles``, which ``users`` references, and SQLite refuses to drop it.
    for table, columns in (("users", _USER_COLUMNS), ("roles", _ROLE_COLUMNS)):
        for name, _kind, _default in columns:
            op.drop_column(table, name)
