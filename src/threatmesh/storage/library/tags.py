"""The tags a taxonomy defines, created, shown and hidden as MISP's ``Taxonomy::addTags``
and ``disableTags`` do (by name, case-insensitively for what exists already)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core.tables import tags


def tags_by_lower_name(conn: Connection, names: Iterable[str]) -> dict[str, RowMapping]:
    """Existing tags named ``names`` (case-insensitively), by lower-cased name."""
    lowered = sorted({n.lower() for n in names})
    if not lowered:
        return {}
    q = sa.select(tags).where(sa.func.lower(tags.c.name).in_(lowered))
    return {str(r["name"]).lower(): r for r in conn.execute(q).mappings()}


def save_tags(conn: Connection, wanted: Sequence[tuple[str, str, int | None]]) -> None:
    """Create or show (``hide_tag`` off) the tags ``(name, colour, numerical_value)``;
    existing ones take the name, colour and value given (MISP's ``quickEdit``)."""
    have = tags_by_lower_name(conn, (n for n, _, _ in wanted))
    new = [
        {"name": n, "colour": c, "numerical_value": v}
        for n, c, v in wanted
        if n.lower() not in have
    ]
    old = [
        {"_id": have[n.lower()]["id"], "name": n, "colour": c, "numerical_value": v}
        for n, c, v in wanted
        if n.lower() in have
    ]
    if new:
        conn.execute(tags.insert(), new)
    if old:
        stmt = (
            tags.update()
            .where(tags.c.id == sa.bindparam("_id"))
            .values(
                name=sa.bindparam("name"),
                colour=sa.bindparam("colour"),
                numerical_value=sa.bindparam("numerical_value"),
                hide_tag=False,
            )
        )
        conn.execute(stmt, old)


def hide_tags(conn: Connection, names: Sequence[str]) -> None:
    """Hide the tags named exactly ``names`` (MISP's ``Tag::disableTags``)."""
    if names:
        conn.execute(tags.update().where(tags.c.name.in_(list(names))).values(hide_tag=True))


def visible_tag_names(conn: Connection) -> set[str]:
    """The lower-cased names of every tag not hidden (for ``taxonomies/index``'s counts)."""
    q = sa.select(tags.c.name).where(tags.c.hide_tag == sa.false())
    return {str(n).lower() for n in conn.execute(q).scalars()}
