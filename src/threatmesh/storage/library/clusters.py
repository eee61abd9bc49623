"""User-made galaxy clusters (MISP's "Galaxy 2.0"): one at a time, with their relations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.library.tables import galaxy_cluster_relations, galaxy_clusters


def insert_cluster(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert a cluster; its id."""
    q = galaxy_clusters.insert().returning(galaxy_clusters.c.id)
    return int(conn.execute(q, dict(values)).scalar_one())


def update_cluster(conn: Connection, cluster_id: int, values: Mapping[str, Any]) -> None:
    """Set ``values`` on cluster ``cluster_id``."""
    q = galaxy_clusters.update().where(galaxy_clusters.c.id == cluster_id).values(**values)
    conn.execute(q)


def delete_cluster(conn: Connection, cluster_id: int) -> None:
    """Delete cluster ``cluster_id`` and its relations."""
    conn.execute(galaxy_clusters.delete().where(galaxy_clusters.c.id == cluster_id))


def relations_of(conn: Connection, cluster_id: int) -> list[RowMapping]:
    """The relations of cluster ``cluster_id``, by id."""
    q = (
        sa.select(galaxy_cluster_relations)
        .where(galaxy_cluster_relations.c.galaxy_cluster_id == cluster_id)
        .order_by(galaxy_cluster_relations.c.id)
    )
    return list(conn.execute(q).mappings())


def replace_relations(conn: Connection, cluster_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """Make ``rows`` the relations of cluster ``cluster_id``."""
    t = galaxy_cluster_relations
    conn.execute(t.delete().where(t.c.galaxy_cluster_id == cluster_id))
    if rows:
        conn.execute(t.insert(), [{**r, "galaxy_cluster_id": cluster_id} for r in rows])


def find_relation(conn: Connection, ref: str) -> RowMapping | None:
    """Relation ``ref`` (an id)."""
    number = as_id(ref)
    if number is None:
        return None
    q = sa.select(galaxy_cluster_relations).where(galaxy_cluster_relations.c.id == number)
    return conn.execute(q).mappings().first()


def delete_relation(conn: Connection, relation_id: int) -> None:
    """Delete relation ``relation_id``."""
    t = galaxy_cluster_relations
    conn.execute(t.delete().where(t.c.id == relation_id))
