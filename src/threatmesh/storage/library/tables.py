"""Tables of the knowledge library, on the same ``metadata`` as the core tables.

``data`` holds the rest of each record as zlib-compressed JSON (see :mod:`.documents`).
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata


def _id() -> sa.Column[int]:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


def _flag(name: str, default: bool = False) -> sa.Column[bool]:
    return sa.Column(
        name, sa.Boolean, nullable=False, server_default=sa.true() if default else sa.false()
    )


def _data() -> sa.Column[bytes]:
    return sa.Column("data", sa.LargeBinary, nullable=False)


taxonomies = sa.Table(
    "taxonomies",
    metadata,
    _id(),
    sa.Column("namespace", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    _flag("enabled"),
    _flag("exclusive"),
    _flag("required"),
    _flag("highlighted"),
    _data(),
)

warninglists = sa.Table(
    "warninglists",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    _flag("enabled"),
    _flag("default", True),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("valid_attributes", sa.Text, nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    _data(),
)

noticelists = sa.Table(
    "noticelists",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("expanded_name", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    _flag("enabled"),
    _data(),
)

object_templates = sa.Table(
    "object_templates",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("meta_category", sa.String(255), nullable=False),
    _flag("fixed", True),
    _flag("active", True),
    _data(),
)

galaxies = sa.Table(
    "galaxies",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(255), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("type", sa.String(255), nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("icon", sa.String(255), nullable=False),
    sa.Column("namespace", sa.String(255), nullable=False),
    sa.Column("kill_chain_order", sa.Text, nullable=True),
    _flag("enabled", True),
    _flag("local_only"),
    _flag("default", True),
)

galaxy_clusters = sa.Table(
    "galaxy_clusters",
    metadata,
    _id(),
    # Not unique: the shipped data gives some clusters of different galaxies one uuid.
    sa.Column("uuid", sa.String(255), nullable=False, index=True),
    sa.Column("collection_uuid", sa.String(255), nullable=False),
    sa.Column("type", sa.String(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("tag_name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("galaxy_id", Id, sa.ForeignKey("galaxies.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("authors", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="3"),
    sa.Column("sharing_group_id", Id, nullable=True),
    sa.Column("org_id", Id, nullable=False, server_default="0"),
    sa.Column("orgc_id", Id, nullable=False, server_default="0"),
    _flag("default"),
    _flag("locked"),
    sa.Column("extends_uuid", sa.String(40), nullable=True),
    sa.Column("extends_version", sa.Integer, nullable=True),
    _flag("published"),
    _flag("deleted"),
    _data(),
    sa.Index(None, "galaxy_id"),
    sa.Index(None, "tag_name"),
)

# Relations of user-made clusters (the relations of default clusters stay in their
# ``data``), with the names of their tags as a JSON list.
galaxy_cluster_relations = sa.Table(
    "galaxy_cluster_relations",
    metadata,
    _id(),
    sa.Column(
        "galaxy_cluster_id",
        Id,
        sa.ForeignKey("galaxy_clusters.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("referenced_galaxy_cluster_uuid", sa.String(255), nullable=False),
    sa.Column("referenced_galaxy_cluster_type", sa.Text, nullable=False),
    sa.Column("distribution", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("sharing_group_id", Id, nullable=True),
    sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
)

decaying_models = sa.Table(
    "decaying_models",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("formula", sa.String(255), nullable=False),
    sa.Column("org_id", Id, nullable=False, server_default="0"),
    _flag("enabled"),
    _flag("default", True),
    _flag("all_orgs", True),
    _data(),
)
