"""Tables of the asset inventory: a host per organisation and name, and one row per
product it runs. They join the shared ``metadata`` of :mod:`threatmesh.storage.core.tables`.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

inventory_hosts = sa.Table(
    "inventory_hosts",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("org_id", Id, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(253), nullable=False),
    sa.Column("exposure", sa.String(16), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("org_id", "name"),
)

inventory_software = sa.Table(
    "inventory_software",
    metadata,
    sa.Column(
        "host_id", Id, sa.ForeignKey("inventory_hosts.id", ondelete="CASCADE"), nullable=False
    ),
    # Position in the host's list, so a host reads back as it was written.
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("cpe", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("host_id", "position"),
)
