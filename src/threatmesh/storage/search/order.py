"""restSearch ``order`` (MISP's ``"Event.timestamp ASC"``, ``"Attribute.value DESC"``)
and ``events/index`` ``sort``/``direction``, as SQL ``ORDER BY`` terms."""

from __future__ import annotations

from typing import Any

from threatmesh.model.errors import InvalidInput
from threatmesh.model.query import Query
from threatmesh.storage.core.tables import attributes, events

EVENT_SORTABLE = frozenset(
    {
        "id",
        "date",
        "timestamp",
        "publish_timestamp",
        "attribute_count",
        "info",
        "threat_level_id",
        "analysis",
        "distribution",
        "uuid",
    }
)
#: Attribute fields by MISP's name (``value`` is the stored first part, ``value1``).
ATTRIBUTE_SORTABLE = {
    name: name
    for name in (
        "id",
        "event_id",
        "type",
        "category",
        "uuid",
        "timestamp",
        "comment",
        "to_ids",
        "distribution",
        "object_relation",
        "first_seen",
        "last_seen",
    )
} | {"value": "value1", "value1": "value1", "value2": "value2"}


def _direction(col: Any, descending: bool) -> Any:
    return col.desc() if descending else col.asc()


def event_order(q: Query) -> list[Any]:
    """``ORDER BY`` of an event search: ``order`` (``Event.<field>``), else ``sort`` and
    ``direction``; ties by id."""
    model, field, descending = q.order or ("Event", q.sort, q.descending)
    if model == "Attribute":
        raise InvalidInput(
            f"order: events are sorted by an event field (Event.<field>), not {model}.{field}"
        )
    if field not in EVENT_SORTABLE:
        raise InvalidInput(
            f"sort: cannot sort events by {field!r}; use one of {sorted(EVENT_SORTABLE)}"
        )
    return [_direction(events.c[field], descending), events.c.id]


def attribute_order(q: Query) -> list[Any] | None:
    """``ORDER BY`` of an attribute search with ``order`` (an attribute field, or its
    event's as ``Event.<field>``), ties by id; None without ``order`` (id order)."""
    if q.order is None:
        return None
    model, field, descending = q.order
    if model == "Event":
        if field not in EVENT_SORTABLE:
            raise InvalidInput(f"order: cannot sort by Event.{field}")
        return [_direction(events.c[field], descending), attributes.c.id]
    if field not in ATTRIBUTE_SORTABLE:
        raise InvalidInput(
            f"order: cannot sort attributes by {field!r}; use one of {sorted(ATTRIBUTE_SORTABLE)}"
        )
    return [_direction(attributes.c[ATTRIBUTE_SORTABLE[field]], descending), attributes.c.id]
