"""Galaxies and their clusters: bulk writes for ``galaxies/update`` and the reads the
galaxy views and event views need."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.library.tables import galaxies, galaxy_clusters


def installed_galaxies(conn: Connection) -> dict[str, tuple[int, int, str]]:
    """``uuid -> (id, version, icon)`` of every stored galaxy."""
    q = sa.select(galaxies.c.uuid, galaxies.c.id, galaxies.c.version, galaxies.c.icon)
    return {str(u): (int(i), int(v), str(c)) for u, i, v, c in conn.execute(q)}


def galaxy_ids_by_type(conn: Connection) -> dict[str, int]:
    """``type -> id`` of the stored galaxies (the first by id when types repeat)."""
    q = sa.select(galaxies.c.type, galaxies.c.id).order_by(galaxies.c.id.desc())
    return {str(t): int(i) for t, i in conn.execute(q)}


def default_cluster_versions(conn: Connection, galaxy_id: int) -> dict[str, tuple[int, int]]:
    """``value -> (id, version)`` of the default clusters of galaxy ``galaxy_id`` (MISP
    matches default clusters by value on update)."""
    q = sa.select(galaxy_clusters.c.value, galaxy_clusters.c.id, galaxy_clusters.c.version).where(
        galaxy_clusters.c.galaxy_id == galaxy_id, galaxy_clusters.c.default == sa.true()
    )
    return {str(v): (int(i), int(n)) for v, i, n in conn.execute(q)}


def delete_clusters(conn: Connection, ids: Sequence[int]) -> None:
    """Delete clusters ``ids`` (before they are created again by an update)."""
    for start in range(0, len(ids), 5000):
        chunk = list(ids[start : start + 5000])
        conn.execute(galaxy_clusters.delete().where(galaxy_clusters.c.id.in_(chunk)))


def insert_clusters(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert cluster rows in bulk."""
    if rows:
        conn.execute(galaxy_clusters.insert(), list(rows))


def galaxy_rows(conn: Connection, ids: Iterable[int] | None = None) -> list[RowMapping]:
    """Galaxies by id (only ``ids`` if given)."""
    q = sa.select(galaxies).order_by(galaxies.c.id)
    if ids is not None:
        q = q.where(galaxies.c.id.in_(sorted(set(ids))))
    return list(conn.execute(q).mappings())


def find_galaxy(conn: Connection, ref: str) -> RowMapping | None:
    """The galaxy with id ``ref`` (digits) or uuid ``ref``."""

    if ref.isascii() and ref.isdigit():
        number = as_id(ref)
        condition = galaxies.c.id == (number if number is not None else -1)
    else:
        condition = galaxies.c.uuid == ref.lower()
    return conn.execute(sa.select(galaxies).where(condition)).mappings().first()


def clusters_of_galaxy(conn: Connection, galaxy_id: int) -> list[RowMapping]:
    """The clusters of a galaxy, not deleted, by id, with their ``data``."""
    q = (
        sa.select(galaxy_clusters)
        .where(galaxy_clusters.c.galaxy_id == galaxy_id, galaxy_clusters.c.deleted == sa.false())
        .order_by(galaxy_clusters.c.id)
    )
    return list(conn.execute(q).mappings())


def clusters_by_tag_name(conn: Connection, names: Iterable[str]) -> list[RowMapping]:
    """The clusters (not deleted) whose tag is one of ``names``, with their ``data``."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    q = (
        sa.select(galaxy_clusters)
        .where(galaxy_clusters.c.tag_name.in_(wanted), galaxy_clusters.c.deleted == sa.false())
        .order_by(galaxy_clusters.c.id)
    )
    return list(conn.execute(q).mappings())


def find_cluster(conn: Connection, ref: str) -> RowMapping | None:
    """The cluster with id ``ref`` (digits) or uuid ``ref``, with its ``data``."""

    if ref.isascii() and ref.isdigit():
        number = as_id(ref)
        condition = galaxy_clusters.c.id == (number if number is not None else -1)
    else:
        condition = galaxy_clusters.c.uuid == ref.lower()
    return conn.execute(sa.select(galaxy_clusters).where(condition)).mappings().first()
