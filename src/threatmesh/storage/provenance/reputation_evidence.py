"""Evidence for source reputation, recorded when it happens and read back per organisation.

Independence is what makes corroboration worth something, so a row is keyed by
(subject, source, kind, item): another organisation counts once per indicator and kind
however often it repeats itself, with the time of its latest report. An organisation
never corroborates itself (callers leave those out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.core import lists
from threatmesh.storage.core.tables import attributes, events, organisations
from threatmesh.storage.correlation import value_index
from threatmesh.storage.provenance.tables import reputation_evidence

_KEY = ["subject_org_id", "source_org_id", "kind", "item"]


def upsert(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert evidence rows (``subject_org_id, source_org_id, kind, item, at``), keeping
    the latest ``at`` of each."""
    if not rows:
        return
    t = reputation_evidence
    stmt: Any
    if conn.dialect.name == "postgresql":
        ins = postgresql.insert(t)
        stmt = ins.on_conflict_do_update(
            index_elements=_KEY, set_={"at": sa.func.greatest(t.c.at, ins.excluded.at)}
        )
    else:
        lite = sqlite.insert(t)
        stmt = lite.on_conflict_do_update(
            index_elements=_KEY, set_={"at": sa.func.max(t.c.at, lite.excluded.at)}
        )
    unique = {tuple(r[k] for k in _KEY): r for r in rows}  # one statement may not hit a key twice
    conn.execute(stmt, list(unique.values()))


# Built once: it runs in every events/add and edit.
_REPORTERS = (
    sa.select(events.c.orgc_id, attributes.c.value1)
    .join(events, events.c.id == attributes.c.event_id)
    .where(
        # The key list is implied by the value list; it is what the value index serves.
        lists.in_list(attributes.c.value1_key, "keys"),
        lists.in_list(attributes.c.value1, "values"),
        attributes.c.deleted.is_(False),
        events.c.orgc_id != sa.bindparam("org_id"),
    )
    .distinct()
)


def reporters(conn: Connection, values: Iterable[str], org_id: int) -> list[tuple[int, str]]:
    """(creator organisation, value) for every other organisation's event that carries one
    of ``values`` (index lookups on the value index, all values in one statement)."""
    wanted = lists.as_list(values)
    keys = lists.as_list(value_index.value_key(v) for v in wanted)
    params = {"values": wanted, "keys": keys, "org_id": org_id}
    return sorted({(int(o), str(v)) for o, v in conn.execute(_REPORTERS, params)})


def evidence_of(conn: Connection, org_id: int) -> list[tuple[str, int]]:
    """(kind, epoch seconds) of every piece of evidence about ``org_id``."""
    t = reputation_evidence
    q = sa.select(t.c.kind, t.c.at).where(t.c.subject_org_id == org_id)
    return [(str(k), int(at)) for k, at in conn.execute(q)]


def subjects(conn: Connection) -> list[RowMapping]:
    """Every organisation (each has a reputation), in id order."""
    return list(conn.execute(sa.select(organisations).order_by(organisations.c.id)).mappings())
