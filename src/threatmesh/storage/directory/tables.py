"""Tables of MISP's administration (issue 16, WP4), on the same ``metadata`` as
:mod:`threatmesh.storage.core.tables`.

``user_settings`` holds MISP's per-user settings (one JSON value per user and name);
``inbox`` holds self-registrations waiting for an administrator (MISP's ``inbox`` of
type ``registration``); ``server_settings`` holds the server settings an administrator
changed through the API (a setting not in it has its default); ``logs`` is MISP's
log of what users did (``admin/logs/index``).
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

user_settings = sa.Table(
    "user_settings",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("setting", sa.String(255), nullable=False),
    # JSON text
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("user_id", "setting"),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("type", sa.String(191), nullable=False),
    sa.Column("ip", sa.String(191), nullable=False, server_default=""),
    sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    # JSON text: what the registrant sent
    sa.Column("data", sa.Text, nullable=False),
)

server_settings = sa.Table(
    "server_settings",
    metadata,
    sa.Column("setting", sa.String(255), primary_key=True),
    # JSON text
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
)

# MISP's ``logs`` (its ``Log`` model): what users did, written in the transaction of the
# action. ``user_id``, ``email`` and ``org`` are copied, not referenced, so an entry
# outlives its user and organisation as in MISP. ``created`` is epoch seconds.
logs = sa.Table(
    "logs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("model", sa.String(80), nullable=False),
    sa.Column("model_id", Id, nullable=False, server_default="0"),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("user_id", Id, nullable=False, server_default="0"),
    sa.Column("change", sa.Text, nullable=False, server_default=""),
    sa.Column("email", sa.String(255), nullable=False, server_default=""),
    sa.Column("org", sa.String(255), nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("ip", sa.String(45), nullable=False, server_default=""),
    sa.Index(None, "created"),
    sa.Index(None, "model", "model_id"),
    sa.Index(None, "user_id"),
)
