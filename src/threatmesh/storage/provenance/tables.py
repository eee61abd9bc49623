"""Tables of trusted sharing: the provenance log and its head, and reputation evidence
(on the shared ``metadata`` of :mod:`threatmesh.storage.core.tables`)."""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

# The append-only provenance log. ``seq`` is the position; ``record_hash`` chains each
# record to ``prev_hash`` and ``signature`` is Ed25519 over the record hash.
provenance_records = sa.Table(
    "provenance_records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Index(None, "subject"),
)

# One row (id 1): the last sequence number and hash. Appenders lock it, which serialises
# them, and a verifier compares it with the last record to see a truncated tail.
provenance_head = sa.Table(
    "provenance_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
)

# Evidence about organisations' reputation, recorded when it happens (a sighting, an
# indicator another organisation also reports). One row per (subject, source, kind,
# item), so a source repeating itself counts once; ``when`` is the latest occurrence.
reputation_evidence = sa.Table(
    "reputation_evidence",
    metadata,
    sa.Column("subject_org_id", Id, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("source_org_id", Id, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("item", sa.String(64), nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("subject_org_id", "source_org_id", "kind", "item"),
)
