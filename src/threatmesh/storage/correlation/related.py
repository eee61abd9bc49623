"""``RelatedEvent`` of a whole event in one statement.

An event view needs the *events* its attributes correlate with, not the pairs.
:func:`threatmesh.storage.correlation.matches.correlate` answers per attribute, with the values
sent from Python in chunks; for an event of 10,000 attributes that is dozens of
statements and most of the cost of ``events/add``. Here the database joins the event's
own values to the value index directly, under exactly the same rules (non-correlating
types, first part only for ``ip|port``-like types, ``disable_correlation``, deleted
attributes, the over-correlation cap, correlation exclusions, and access control on
both sides). CIDR
containment stays with :mod:`threatmesh.storage.correlation.matches`.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.access import Viewer
from threatmesh.model.validation import describe_types
from threatmesh.storage.collab.exclusions import excludes
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events
from threatmesh.storage.correlation import value_index
from threatmesh.storage.correlation.matches import capped_carriers, correlatable, not_of_types

_NON_CORRELATING = describe_types.NON_CORRELATING_TYPES
_PRIMARY_ONLY = describe_types.PRIMARY_ONLY_CORRELATING_TYPES
# Aliases built once (an alias copies every column of its table).
_SRC, _SRC_EV = attributes.alias("src"), events.alias("src_ev")
_HIT, _HIT_EV = attributes.alias("hit"), events.alias("hit_ev")
_CNT, _CNT_EV = attributes.alias("cnt"), events.alias("cnt_ev")
_ELSE, _ELSE_EV = attributes.alias("elsewhere"), events.alias("elsewhere_ev")


# Rendered into the SQL text at execution (the compiled form is still cached): how to
# join depends on how many attributes the event has, so PostgreSQL must plan for this
# event. As a parameter of a prepared statement, after a few hundred views of small
# events the server switched to a generic plan that took 27 s for a 10,000-attribute
# event (0.4 s when planned for it).
# SQLite's plans do not depend on parameter values (it keeps no STAT4 statistics), so
# there they stay ordinary parameters: rendering them into this long statement took
# half of its cost for a small event.
def _params(literal: bool) -> tuple[sa.BindParameter[Any], sa.BindParameter[Any]]:
    """The event id and the cap as bound parameters, rendered as literals or not."""
    return (
        sa.bindparam("event_id", type_=attributes.c.event_id.type, literal_execute=literal),
        sa.bindparam("cap", type_=sa.Integer(), literal_execute=literal),
    )


def _source_values(viewer: Viewer, event_id: Any) -> sa.CTE:
    """The correlating values of the live attributes of ``event_id`` that ``viewer``
    sees (deleted attributes never correlate, even when they are displayed)."""
    s, ev = _SRC, _SRC_EV
    base = [
        s.c.event_id == event_id,
        s.c.deleted.is_(False),
        s.c.disable_correlation.is_(False),
        not_of_types(s.c.type, _NON_CORRELATING),
        acl.attribute_visible_in_event(viewer, s, ev),
    ]
    joined = s.join(ev, ev.c.id == s.c.event_id)
    first = sa.select(s.c.value1.label("v"), s.c.value1_key.label("k"))
    first = first.select_from(joined).where(*base, sa.not_(excludes(s.c.value1)))
    second = (
        sa.select(s.c.value2.label("v"), s.c.value2_key.label("k"))
        .select_from(joined)
        .where(
            *base,
            s.c.value2 != "",
            not_of_types(s.c.type, _PRIMARY_ONLY),
            sa.not_(excludes(s.c.value2)),
        )
    )
    return sa.union(first, second).cte("source_values")


def related_event_ids(
    conn: Connection,
    viewer: Viewer,
    event_id: int,
    *,
    cap: int,
    unpublished_private: bool = False,
) -> set[int]:
    """Ids of the other events that share a correlating value with ``event_id``, as
    ``viewer`` may see them (exact matches only; see the module docstring)."""
    stmt = _statement(viewer, unpublished_private, conn.dialect.name != "sqlite")
    return set(conn.execute(stmt, {"event_id": event_id, "cap": cap}).scalars())


def _elsewhere(src: sa.CTE, event: Any, *, second: bool) -> sa.Exists:
    """Whether an attribute of another event carries the source value (in value1, or
    with ``second`` in value2), access control aside: one index probe per value."""
    carries = value_index.value2_is if second else value_index.value1_is
    a, ev = _ELSE, _ELSE_EV
    conds = [carries(a, src.c.v, src.c.k), a.c.event_id != event, correlatable(a, ev)]
    if second:
        conds.append(not_of_types(a.c.type, _PRIMARY_ONLY))
    found = sa.exists().select_from(a.join(ev, ev.c.id == a.c.event_id)).where(*conds)
    return found.correlate(src)


@functools.lru_cache(maxsize=256)
def _statement(viewer: Viewer, unpublished_private: bool, literal: bool) -> sa.CompoundSelect[Any]:
    """The statement for one viewer, with the event and the cap as parameters: built
    once per viewer, since building it costs more than running it for a small event."""
    event, cap = _params(literal)
    src = _source_values(viewer, event)
    counted = capped_carriers(src, cap, _CNT, _CNT_EV, second=False) + capped_carriers(
        src, cap, _CNT, _CNT_EV, second=True
    )
    keep = [counted <= cap]
    if not literal:
        # SQLite: most values of an event are carried nowhere else, and one probe each
        # tells so; their carriers are then neither counted nor joined (SQLite evaluates
        # the terms in order). RelatedEvent of a 10,000-attribute event: 54 -> 32 ms.
        # Not on PostgreSQL: it may run an EXISTS under OR as a hashed subplan over every
        # attribute of the other events, when it expects the event to have many values
        # (it did once a few events held 10,000 attributes: 5 -> 30 ms per small event,
        # growing with the table).
        anywhere = sa.or_(_elsewhere(src, event, second=False), _elsewhere(src, event, second=True))
        keep.insert(0, anywhere)
    usable = sa.select(src.c.v, src.c.k).where(*keep).cte("usable_values")
    h, he = _HIT, _HIT_EV
    common = [
        h.c.event_id != event,
        correlatable(h, he),
        acl.attribute_visible(viewer, h, he, unpublished_private=unpublished_private),
    ]
    joined = h.join(he, he.c.id == h.c.event_id)
    by_first = (
        sa.select(h.c.event_id)
        .select_from(joined)
        .where(
            # The key condition is implied by the value one; it is what the index serves.
            h.c.value1_key.in_(sa.select(usable.c.k)),
            h.c.value1.in_(sa.select(usable.c.v)),
            *common,
        )
    )
    by_second = (
        sa.select(h.c.event_id)
        .select_from(joined)
        .where(
            h.c.value2_key.in_(sa.select(usable.c.k)),
            h.c.value2.in_(sa.select(usable.c.v)),
            not_of_types(h.c.type, _PRIMARY_ONLY),
            *common,
        )
    )
    return sa.union(by_first, by_second)
