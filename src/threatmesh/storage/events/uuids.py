"""Which UUIDs of attributes, objects and object references are already stored.

UUIDs are unique across the whole instance, whoever can see the content that holds
them, so this reads without access control: the caller must only say *that* a UUID is
taken, never where (see ``model.errors.UuidTaken``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.storage.core.tables import attributes, object_references, objects

#: The table of each kind of content, by the kind's name in messages.
TABLES = {"attribute": attributes, "object": objects, "object reference": object_references}
_CHUNK = 500


def taken(
    conn: Connection, claims: Iterable[tuple[str, str]], *, outside_event: int | None = None
) -> set[tuple[str, str]]:
    """The ``(kind, uuid)`` pairs of ``claims`` whose UUID is stored for that kind
    (``outside_event``: by content of another event than that one)."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for kind, uuid in claims:
        wanted[kind].append(uuid)
    found: set[tuple[str, str]] = set()
    for kind, uuids in wanted.items():
        table = TABLES[kind]
        for i in range(0, len(uuids), _CHUNK):
            q = sa.select(table.c.uuid).where(table.c.uuid.in_(uuids[i : i + _CHUNK]))
            if outside_event is not None:
                q = q.where(table.c.event_id != outside_event)
            found.update((kind, u) for u in conn.execute(q).scalars())
    return found
