"""event delegations and MISP's log of user actions

MISP's ``event_delegations`` (pending requests to hand an event over to another
organisation) and ``logs`` (``admin/logs/index``), issue 16.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _delegations() -> None:
    op.create_table(
        "event_delegations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("requester_org_id", _ID, nullable=False),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("distribution", sa.SmallInteger(), server_default="-1", nullable=False),
        sa.Column("sharing_group_id", _ID, server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_delegations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_event_delegations_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["organisations.id"],
            name=op.f("fk_event_delegations_requester_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_delegations")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_delegations_event_id")),
    )
    op.create_index(
        op.f("ix_event_delegations_org_id"), "event_delegations", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_event_delegations_requester_org_id"),
        "event_delegations",
        ["requester_org_id"],
        unique=False,
    )


def _logs() -> None:
    op.create_table(
        "logs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("model_id", _ID, server_default="0", nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("user_id", _ID, server_default="0", nullable=False),
        sa.Column("change", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.String(255), server_default="", nullable=False),
        sa.Column("org", sa.String(255), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("ip", sa.String(45), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logs")),
    )
    op.create_index(op.f("ix_logs_created"), "logs", ["created"], unique=False)
    op.create_index(op.f("ix_logs_model_model_id"), "logs", ["model", "model_id"], unique=False)
    op.create_index(op.f("ix_logs_user_id"), "logs", ["user_id"], unique=False)


def upgrade() -> None:
    _delegations()
    _logs()


def downgrade() -> None:
    op.drop_table("logs")
    op.drop_table("event_delegations")
