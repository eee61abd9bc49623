"""The database schema, as SQLAlchemy Core tables (MISP's table and column names).

Timestamps are integer seconds since the epoch, as MISP keeps them; ``first_seen`` and
``last_seen`` are integer microseconds. "No sharing group" is ``0``, as in MISP, so
no foreign key ties ``sharing_group_id``.

Correlation is *not* stored as pairs. Keys of the value columns of ``attributes`` are
indexed (the value index, see ``storage.value_index``) and ``ip_index`` holds one row per
IP-typed attribute value for CIDR containment; correlations are computed on read from
those indexes.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.model.roles import PERMISSIONS

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# SQLite only gives AUTOINCREMENT-free rowid aliases for "INTEGER PRIMARY KEY", so ids are
# Integer there and BIGINT on PostgreSQL.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


def _uuid() -> sa.Column[str]:
    return sa.Column("uuid", sa.String(36), nullable=False, unique=True)


def _fk(name: str, target: str, *, nullable: bool = False, cascade: bool = True) -> sa.Column[int]:
    return sa.Column(
        name,
        Id,
        sa.ForeignKey(target, ondelete="CASCADE" if cascade else None),
        nullable=nullable,
    )


organisations = sa.Table(
    "organisations",
    metadata,
    _id(),
    _uuid(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("type", sa.String(255), nullable=False, server_default=""),
    sa.Column("nationality", sa.String(255), nullable=False, server_default=""),
    sa.Column("sector", sa.String(255), nullable=False, server_default=""),
    sa.Column("contacts", sa.Text, nullable=False, server_default=""),
    sa.Column("local", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_by", Id, nullable=False, server_default="0"),
    sa.Column("date_created", sa.BigInteger, nullable=False),
    sa.Column("date_modified", sa.BigInteger, nullable=False),
)

roles = sa.Table(
    "roles",
    metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("default_role", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
    *(sa.Column(p, sa.Boolean, nullable=False, server_default=sa.false()) for p in PERMISSIONS),
    # MISP's role limits (kept and shown; threatmesh does not enforce PHP's limits)
    sa.Column("max_execution_time", sa.String(20), nullable=False, server_default=""),
    sa.Column("memory_limit", sa.String(20), nullable=False, server_default=""),
    sa.Column("enforce_rate_limit", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rate_limit_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("restricted_to_site_admin", sa.Boolean, nullable=False, server_default=sa.false()),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(255), nullable=False, unique=True),
    _fk("org_id", "organisations.id", cascade=False),
    _fk("role_id", "roles.id", cascade=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("autoalert", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("contactalert", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("termsaccepted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("change_pw", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("date_created", sa.BigInteger, nullable=False),
    sa.Column("date_modified", sa.BigInteger, nullable=False),
    sa.Column("last_login", sa.BigInteger, nullable=False, server_default="0"),
    # a salted scrypt hash ("" = no password: API keys only)
    sa.Column("password", sa.String(255), nullable=False, server_default=""),
    sa.Column("last_pw_change", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("gpgkey", sa.Text, nullable=False, server_default=""),
    sa.Column("certif_public", sa.Text, nullable=False, server_default=""),
    sa.Column("nids_sid", sa.BigInteger, nullable=False, server_default="0"),
)

# API keys, as MISP's "advanced authkeys": several per user, only a hash is kept.
auth_keys = sa.Table(
    "auth_keys",
    metadata,
    _id(),
    _uuid(),
    sa.Column("authkey_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("authkey_start", sa.String(4), nullable=False),
    sa.Column("authkey_end", sa.String(4), nullable=False),
    _fk("user_id", "users.id"),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("expiration", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
)

servers = sa.Table(
    "servers",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("url", sa.String(255), nullable=False),
    sa.Column("authkey", sa.String(255), nullable=False, server_default=""),
    sa.Column("remote_org_id", Id, nullable=False, server_default="0"),
    sa.Column("push", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pull", sa.Boolean, nullable=False, server_default=sa.false()),
    # Sync settings (issue 3), as MISP's servers table names them.
    sa.Column("org_id", Id, nullable=False, server_default="0"),
    sa.Column("push_sightings", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pull_rules", sa.Text, nullable=False, server_default=""),
    sa.Column("push_rules", sa.Text, nullable=False, server_default=""),
    sa.Column("self_signed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("uuid", sa.String(36), nullable=False, server_default=""),
)

sharing_groups = sa.Table(
    "sharing_groups",
    metadata,
    _id(),
    _uuid(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("releasability", sa.Text, nullable=False, server_default=""),
    _fk("org_id", "organisations.id", cascade=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("roaming", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("local", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("modified", sa.BigInteger, nullable=False),
)

sharing_group_orgs = sa.Table(
    "sharing_group_orgs",
    metadata,
    _id(),
    _fk("sharing_group_id", "sharing_groups.id"),
    _fk("org_id", "organisations.id"),
    sa.Column("extend", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("sharing_group_id", "org_id"),
    sa.Index(None, "org_id"),
)

# server_id 0 means "this instance"; all_orgs extends the group to all its organisations.
sharing_group_servers = sa.Table(
    "sharing_group_servers",
    metadata,
    _id(),
    _fk("sharing_group_id", "sharing_groups.id"),
    sa.Column("server_id", Id, nullable=False),
    sa.Column("all_orgs", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("sharing_group_id", "server_id"),
)

events = sa.Table(
    "events",
    metadata,
    _id(),
    _uuid(),
    _fk("org_id", "organisations.id", cascade=False),
    _fk("orgc_id", "organisations.id", cascade=False),
    sa.Column("user_id", Id, nullable=False, server_default="0"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("info", sa.Text, nullable=False),
    sa.Column("threat_level_id", sa.SmallInteger, nullable=False, server_default="4"),
    sa.Column("analysis", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("publish_timestamp", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("sighting_timestamp", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("attribute_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disable_correlation", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("proposal_email_lock", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("extends_uuid", sa.String(36), nullable=False, server_default=""),
    sa.Index(None, "org_id"),
    sa.Index(None, "orgc_id"),
    sa.Index(None, "timestamp"),
    sa.Index(None, "publish_timestamp"),
)

objects = sa.Table(
    "objects",
    metadata,
    _id(),
    _uuid(),
    _fk("event_id", "events.id"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("meta_category", sa.String(255), nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("template_uuid", sa.String(36), nullable=False, server_default=""),
    sa.Column("template_version", sa.String(16), nullable=False, server_default=""),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="5"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("first_seen", sa.BigInteger, nullable=True),
    sa.Column("last_seen", sa.BigInteger, nullable=True),
    sa.Index(None, "event_id"),
)

object_references = sa.Table(
    "object_references",
    metadata,
    _id(),
    _uuid(),
    _fk("object_id", "objects.id"),
    _fk("event_id", "events.id"),
    sa.Column("source_uuid", sa.String(36), nullable=False),
    sa.Column("referenced_uuid", sa.String(36), nullable=False),
    sa.Column("referenced_id", Id, nullable=False, server_default="0"),
    sa.Column("referenced_type", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("relationship_type", sa.String(255), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Index(None, "event_id"),
)

attributes = sa.Table(
    "attributes",
    metadata,
    _id(),
    # Unique. On PostgreSQL migration 0007 enforces it with a hash exclusion constraint
    # of the same name (half the size of the b-tree; UUIDs are only ever compared with =).
    _uuid(),
    _fk("event_id", "events.id"),
    sa.Column("object_id", Id, nullable=False, server_default="0"),
    sa.Column("object_relation", sa.String(255), nullable=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("category", sa.String(255), nullable=False),
    sa.Column("value1", sa.Text, nullable=False),
    sa.Column("value2", sa.Text, nullable=False, server_default=""),
    # 32-bit keys of value1 and (when there is one) value2: the value index indexes
    # these, not the values (storage.value_index says why).
    sa.Column("value1_key", sa.Integer, nullable=False),
    sa.Column("value2_key", sa.Integer, nullable=True),
    sa.Column("to_ids", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="5"),
    sa.Column("sharing_group_id", Id, nullable=False, server_default="0"),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disable_correlation", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("first_seen", sa.BigInteger, nullable=True),
    sa.Column("last_seen", sa.BigInteger, nullable=True),
    # A CP-ABE envelope (JSON) when the value is protected; value1 then holds its marker.
    sa.Column("envelope", sa.Text, nullable=True),
    sa.Index(None, "event_id"),
    # The value index: restSearch by value and correlation both read it.
    sa.Index(None, "value1_key"),
    sa.Index(
        "ix_attributes_value2_key",
        "value2_key",
        sqlite_where=sa.text("value2_key IS NOT NULL"),
        postgresql_where=sa.text("value2_key IS NOT NULL"),
    ),
)

# One row per IP-typed value: the network's first and last address as 16 bytes
# (IPv4 mapped into ::ffff:0:0/96), so containment is a range predicate on an index.
# ``hi`` is NULL for a single address (most rows), which would only repeat ``lo``.
ip_index = sa.Table(
    "ip_index",
    metadata,
    sa.Column("attribute_id", Id, sa.ForeignKey("attributes.id", ondelete="CASCADE")),
    sa.Column("lo", sa.LargeBinary(16), nullable=False),
    sa.Column("hi", sa.LargeBinary(16), nullable=True),
    sa.Index(None, "attribute_id"),
    sa.Index(None, "lo"),
    sa.Index(
        "ix_ip_index_networks",
        "lo",
        "hi",
        sqlite_where=sa.text("hi IS NOT NULL"),
        postgresql_where=sa.text("hi IS NOT NULL"),
    ),
)

# The sizes (host bits) of the networks ``ip_index`` has ever held, so CIDR containment
# probes an address only at the prefix lengths some network has (a handful, not 129).
# Rows are added with the networks and never removed: a size no network has any more
# costs one useless probe per address, a missing size would lose correlations.
ip_network_sizes = sa.Table(
    "ip_network_sizes",
    metadata,
    sa.Column("host_bits", sa.SmallInteger, primary_key=True, autoincrement=False),
)

tags = sa.Table(
    "tags",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("colour", sa.String(7), nullable=False, server_default="#0088cc"),
    sa.Column("exportable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("org_id", Id, nullable=False, server_default="0"),
    sa.Column("user_id", Id, nullable=False, server_default="0"),
    sa.Column("hide_tag", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("numerical_value", sa.Integer, nullable=True),
    sa.Column("is_galaxy", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_custom_galaxy", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("local_only", sa.Boolean, nullable=False, server_default=sa.false()),
)

event_tags = sa.Table(
    "event_tags",
    metadata,
    _id(),
    _fk("event_id", "events.id"),
    _fk("tag_id", "tags.id"),
    sa.Column("local", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("event_id", "tag_id"),
    sa.Index(None, "tag_id"),
)

attribute_tags = sa.Table(
    "attribute_tags",
    metadata,
    _id(),
    _fk("attribute_id", "attributes.id"),
    _fk("event_id", "events.id"),
    _fk("tag_id", "tags.id"),
    sa.Column("local", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("attribute_id", "tag_id"),
    sa.Index(None, "tag_id"),
    sa.Index(None, "event_id"),
)

sightings = sa.Table(
    "sightings",
    metadata,
    _id(),
    _uuid(),
    _fk("attribute_id", "attributes.id"),
    _fk("event_id", "events.id"),
    sa.Column("org_id", Id, nullable=False),
    sa.Column("date_sighting", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String(255), nullable=False, server_default=""),
    sa.Column("type", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Index(None, "attribute_id"),
    sa.Index(None, "event_id"),
)


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
