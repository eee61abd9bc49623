"""Tables of the anonymizer: stored policies (with their secret keys), bindings of
policies to recipients, and the differential-privacy budget of each recipient.

They join the shared ``metadata`` of :mod:`threatmesh.storage.core.tables`.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

anonymizer_policies = sa.Table(
    "anonymizer_policies",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("document", sa.Text, nullable=False),
    # 64 bytes: HMAC pseudonym key then Crypto-PAn key. Never leaves through the API.
    sa.Column("secret", sa.LargeBinary(64), nullable=False),
    sa.Column("org_id", Id, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
)

anonymizer_bindings = sa.Table(
    "anonymizer_bindings",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("ident", sa.String(255), nullable=False),
    sa.Column(
        "policy_id",
        Id,
        sa.ForeignKey("anonymizer_policies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("kind", "ident"),
)

privacy_budgets = sa.Table(
    "privacy_budgets",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("ident", sa.String(255), nullable=False),
    sa.Column("epsilon_total", sa.Float, nullable=False),
    sa.Column("epsilon_spent", sa.Float, nullable=False, server_default="0"),
    sa.Column("modified", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("kind", "ident"),
)
