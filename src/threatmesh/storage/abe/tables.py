"""Tables of the key authority and of protected intelligence (added to ``metadata``).

Nothing here lets the platform decrypt: ``abe_epochs`` holds public keys only, issuance
records hold attributes and fingerprints (never a user's key), and ``abe_index_keys``
holds blind-index keys CP-ABE-encrypted under their policy. The master keys live in the
authority's own key store (:mod:`threatmesh.storage.abe.keystore`), not in the database.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, _fk, _id, _uuid, metadata

abe_epochs = sa.Table(
    "abe_epochs",
    metadata,
    sa.Column("epoch", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
)

abe_key_issuance = sa.Table(
    "abe_key_issuance",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    sa.Column("epoch", sa.Integer, nullable=False),
    # JSON list of the attributes the key was issued for.
    sa.Column("attributes", sa.Text, nullable=False),
    # SHA-256 of the X25519 public key the key was sealed to.
    sa.Column("recipient_fingerprint", sa.String(64), nullable=False),
    sa.Column("issued", sa.BigInteger, nullable=False),
    sa.Index(None, "user_id"),
)

abe_revocations = sa.Table(
    "abe_revocations",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    sa.Column("revoked_by", Id, nullable=False),
    sa.Column("revoked", sa.BigInteger, nullable=False),
    # The first epoch whose keys the user may not hold.
    sa.Column("from_epoch", sa.Integer, nullable=False),
    sa.UniqueConstraint("user_id"),
)

abe_index_keys = sa.Table(
    "abe_index_keys",
    metadata,
    _id(),
    _uuid(),
    _fk("org_id", "organisations.id"),
    sa.Column("policy", sa.Text, nullable=False),
    # The 32-byte HMAC key as a CP-ABE envelope (JSON) under ``policy``.
    sa.Column("envelope", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
)
