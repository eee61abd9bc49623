"""Tables of the collaboration records (issue 16, WP5), on the same ``metadata`` as
:mod:`threatmesh.storage.core.tables`, with MISP's table and column names.

Times MISP keeps as ``datetime`` (``created``, ``modified``) are epoch seconds here,
formatted as MISP's ``YYYY-MM-DD HH:MM:SS`` on the way out. MISP keeps notes, opinions
and relationships in three tables with the same head; they share ``analyst_data`` here,
told apart by ``kind``, with the columns of each kind nullable. ``event_delegations``
holds MISP's pending requests to hand an event over to another organisation.

``shadow_attributes`` holds MISP's attribute proposals: ``old_id`` is the attribute a
change or deletion is proposed for (NULL, shown as ``"0"``, for a new attribute); an
accepted or discarded proposal is deleted, as nothing else reads it afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata


def _id() -> sa.Column[int]:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


event_blocklists = sa.Table(
    "event_blocklists",
    metadata,
    _id(),
    sa.Column("event_uuid", sa.String(40), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("event_info", sa.Text, nullable=False, server_default=""),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("event_orgc", sa.String(255), nullable=False, server_default=""),
)

org_blocklists = sa.Table(
    "org_blocklists",
    metadata,
    _id(),
    sa.Column("org_uuid", sa.String(40), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("org_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
)

correlation_exclusions = sa.Table(
    "correlation_exclusions",
    metadata,
    _id(),
    sa.Column("value", sa.String(1024), nullable=False, unique=True),
    sa.Column("from_json", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    # ``value`` as a rule (not MISP columns): a leading and/or trailing ``%`` makes it a
    # suffix, prefix or substring rule; ``stem`` is the value without them.
    sa.Column("match", sa.String(8), nullable=False, server_default="exact"),
    sa.Column("stem", sa.String(1024), nullable=False, server_default=""),
)

event_reports = sa.Table(
    "event_reports",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column(
        "event_id", Id, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("content", sa.Text, nullable=False, server_default=""),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="5"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
)

analyst_data = sa.Table(
    "analyst_data",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    # "Note", "Opinion" or "Relationship"
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("object_uuid", sa.String(36), nullable=False, index=True),
    sa.Column("object_type", sa.String(80), nullable=False),
    sa.Column("authors", sa.Text, nullable=False, server_default=""),
    sa.Column("org_uuid", sa.String(36), nullable=False),
    sa.Column("orgc_uuid", sa.String(36), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
    sa.Column("distribution", sa.SmallInteger, nullable=False),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("opinion", sa.Integer, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("relationship_type", sa.String(255), nullable=True),
    sa.Column("related_object_uuid", sa.String(36), nullable=True),
    sa.Column("related_object_type", sa.String(80), nullable=True),
)

feeds = sa.Table(
    "feeds",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("provider", sa.String(255), nullable=False),
    sa.Column("url", sa.String(255), nullable=False),
    sa.Column("rules", sa.Text, nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("tag_id", Id, nullable=False, server_default="0"),
    sa.Column("default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("source_format", sa.String(255), nullable=False, server_default="misp"),
    sa.Column("fixed_event", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("delta_merge", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("event_id", Id, nullable=False, server_default="0"),
    sa.Column("publish", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("override_ids", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("settings", sa.Text, nullable=True),
    sa.Column("input_source", sa.String(255), nullable=False, server_default="network"),
    sa.Column("delete_local_file", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("lookup_visible", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("headers", sa.Text, nullable=True),
    sa.Column("caching_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("force_to_ids", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("orgc_id", Id, nullable=False, server_default="0"),
    sa.Column("tag_collection_id", Id, nullable=False, server_default="0"),
)

# MISP's ``event_delegations``: an event's organisation asks ``org_id`` to take the event
# over. ``distribution`` -1 lets the recipient decide; ``sharing_group_id`` 0 is none.
# One pending request per event (MISP refuses a second one; the key makes that hold
# under concurrent requests too); it goes with its event.
event_delegations = sa.Table(
    "event_delegations",
    metadata,
    _id(),
    sa.Column("org_id", Id, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("requester_org_id", Id, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column(
        "event_id", Id, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, unique=True
    ),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="-1"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Index(None, "org_id"),
    sa.Index(None, "requester_org_id"),
)

shadow_attributes = sa.Table(
    "shadow_attributes",
    metadata,
    _id(),
    # The attribute a change or a deletion is proposed for; NULL: a new attribute.
    sa.Column(
        "old_id", Id, sa.ForeignKey("attributes.id", ondelete="CASCADE"), nullable=True, index=True
    ),
    sa.Column(
        "event_id", Id, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # Not unique: a change proposed for an attribute carries the attribute's UUID.
    sa.Column("uuid", sa.String(36), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("category", sa.String(255), nullable=False),
    sa.Column("value1", sa.Text, nullable=False),
    sa.Column("value2", sa.Text, nullable=False, server_default=""),
    sa.Column("to_ids", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    # The proposer's organisation and user (storage/directory/org_references.py removes
    # an organisation's proposals with it; a deleted user's stay, without their author).
    sa.Column("org_id", Id, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("email", sa.String(255), nullable=False, server_default=""),
    sa.Column("proposal_to_delete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disable_correlation", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("first_seen", sa.BigInteger, nullable=True),
    sa.Column("last_seen", sa.BigInteger, nullable=True),
)
