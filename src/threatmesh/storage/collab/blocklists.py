"""Event and organisation blocklists (MISP's ``EventBlocklist`` and ``OrgBlocklist``).

One set of functions serves both lists: a :class:`Blocklist` names the table and the
column holding the blocked UUID (``event_uuid`` or ``org_uuid``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.fields import as_id
from threatmesh.storage.collab.tables import event_blocklists, org_blocklists
from threatmesh.storage.core.driver import insert_ignore


@dataclass(frozen=True, slots=True)
class Blocklist:
    """One of the two blocklists: its table, the UUID column and the other fields a
    client may set (MISP's ``blocklistFields``)."""

    table: sa.Table
    target: str
    fields: tuple[str, ...]

    @property
    def key(self) -> sa.Column[Any]:
        """The column of the blocked UUID."""
        return self.table.c[self.target]


EVENTS = Blocklist(event_blocklists, "event_uuid", ("comment", "event_info", "event_orgc"))
ORGANISATIONS = Blocklist(org_blocklists, "org_uuid", ("comment", "org_name"))


def entries(conn: Connection, blocklist: Blocklist, match: Mapping[str, str]) -> list[RowMapping]:
    """The entries, newest first; ``match`` (column -> exact value) narrows them, and its
    ``searchall`` matches any text column (``%`` wildcards, case-insensitive)."""
    t = blocklist.table
    q = sa.select(t).order_by(t.c.created.desc(), t.c.id.desc())
    for column, value in match.items():
        if column == "searchall":
            cols = [blocklist.key, *(t.c[f] for f in blocklist.fields)]
            q = q.where(sa.or_(*(sa.func.lower(c).like(value.lower()) for c in cols)))
        else:
            q = q.where(t.c[column] == value)
    return list(conn.execute(q).mappings())


def add(
    conn: Connection, blocklist: Blocklist, uuid: str, values: Mapping[str, str], now: int
) -> bool:
    """Block ``uuid`` (False: already blocked)."""
    row = {f: values.get(f, "") for f in blocklist.fields}
    stmt = (
        insert_ignore(conn, blocklist.table)
        .values(**row, **{blocklist.target: uuid}, created=now)
        .returning(blocklist.table.c.id)
    )
    return conn.execute(stmt).first() is not None


def find(conn: Connection, blocklist: Blocklist, ref: str) -> RowMapping | None:
    """The entry with id ``ref``, or blocking UUID ``ref``."""
    t = blocklist.table
    num = as_id(ref)
    where = t.c.id == num if num is not None else blocklist.key == ref.lower()
    return conn.execute(sa.select(t).where(where)).mappings().first()


def update(
    conn: Connection, blocklist: Blocklist, entry_id: int, values: Mapping[str, str]
) -> None:
    """Change the entry's comment and descriptive fields."""
    changes = {f: v for f, v in values.items() if f in blocklist.fields}
    if changes:
        t = blocklist.table
        conn.execute(t.update().where(t.c.id == entry_id).values(**changes))


def delete(conn: Connection, blocklist: Blocklist, entry_id: int) -> None:
    """Remove the entry: the UUID may come in again."""
    t = blocklist.table
    conn.execute(t.delete().where(t.c.id == entry_id))


def blocked(conn: Connection, blocklist: Blocklist, uuids: Iterable[str]) -> set[str]:
    """Which of ``uuids`` (lower case) the blocklist holds."""
    wanted = sorted({u.lower() for u in uuids if u})
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        q = sa.select(blocklist.key).where(blocklist.key.in_(wanted[i : i + 500]))
        found.update(str(u) for u in conn.execute(q).scalars())
    return found
