"""Tables of trusted sharing: signing keys, UMA resources, policies and permission
tickets, and the provenance log (added to the shared ``metadata`` of ``tables``).

Importing this module registers the tables; ``tables`` users that need the whole schema
(migrations, schema comparison) import it too.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

# The platform's own keys (the RPT signing key, the provenance signing key), created on
# first use. ``purpose`` is unique so concurrent first uses agree on one key.
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("purpose", sa.String(32), primary_key=True),
    sa.Column("kid", sa.String(64), nullable=False),
    sa.Column("private_key", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
)

# A UMA resource: one event, or a collection of the owner's events (a tag, a sharing group).
uma_resources = sa.Table(
    "uma_resources",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("resource_id", sa.String(36), nullable=False, unique=True),
    sa.Column("owner_org_id", Id, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("ref", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False, server_default=""),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("owner_org_id", "kind", "ref"),
)

# A producer's rule: who (organisations, sectors, countries, roles, trust, claims) gets
# which scopes on one resource. ``rule`` is the JSON of privacy.authz.policy.Policy.
uma_policies = sa.Table(
    "uma_policies",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column(
        "resource_id", Id, sa.ForeignKey("uma_resources.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("created_by", Id, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Index(None, "resource_id"),
)

# Permission tickets; only a hash of the ticket is kept, and ``used`` makes them single-use.
# ``resource_id`` is NULL for a ticket naming a resource that was never registered (a
# challenge for an event that does not exist): it is used up like any other.
uma_tickets = sa.Table(
    "uma_tickets",
    metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column(
        "resource_id", Id, sa.ForeignKey("uma_resources.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
)

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
