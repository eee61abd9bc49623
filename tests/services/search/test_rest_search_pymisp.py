"""restSearch as MISP answers it, driven by PyMISP on the live server (SQLite and
PostgreSQL): float epochs and MISP's time deltas (issue 16 point 9), ``value`` AND as IN,
``order``, IPv6 values (point 11), the answer's shape and the csv/text exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from pymisp import MISPAttribute, MISPEvent, PyMISP

from tests.support import LiveServer


def _client(server: LiveServer) -> PyMISP:
    return PyMISP(server.url, server.admin_key, ssl=False, timeout=60)


def _event(info: str, *values: tuple[str, str], ago: timedelta | None = None) -> MISPEvent:
    event = MISPEvent(force_timestamps=ago is not None)
    event.info = info
    event.distribution = 0
    for kind, value in values:
        event.add_attribute(kind, value)
    if ago is not None:
        event.timestamp = datetime.now() - ago
    return event


def _ids(found: Any) -> set[str]:
    assert isinstance(found, list), found
    return {e.id for e in found}


def test_float_epochs_and_time_deltas(server: LiveServer) -> None:
    """Point 9: PyMISP sends a datetime as a float; from/to may be epochs; a malformed
    duration matches nothing (MISP's resolveTimeDelta), it is not an error."""
    misp = _client(server)
    old = misp.add_event(
        _event("old", ("text", "old-one"), ago=timedelta(minutes=5)), pythonify=True
    )
    new = misp.add_event(_event("new", ("text", "new-one")), pythonify=True)
    misp.publish(new)
    since = datetime.now() - timedelta(minutes=3)
    assert _ids(misp.search(timestamp=since, pythonify=True)) == {new.id}
    assert _ids(misp.search(timestamp="4m", pythonify=True)) == {new.id}
    assert _ids(misp.search(timestamp=["6m", "4m"], pythonify=True)) == {old.id}
    assert _ids(misp.search(timestamp=["4m", "6m"], pythonify=True)) == {old.id}  # swapped
    assert _ids(misp.search_index(timestamp=since.timestamp(), pythonify=True)) == {new.id}
    assert _ids(misp.search(publish_timestamp=since, pythonify=True)) == {new.id}
    # Attributes keep their own timestamp (both were written just now).
    found = misp.search(controller="attributes", timestamp=since.timestamp(), pythonify=True)
    assert {a.value for a in found} == {"new-one", "old-one"}
    later = (datetime.now() + timedelta(hours=1)).timestamp()
    assert misp.search(controller="attributes", timestamp=later) == {"Attribute": []}
    day = datetime.now() - timedelta(days=1)
    assert _ids(misp.search(date_from=day.timestamp(), pythonify=True)) == {old.id, new.id}
    assert _ids(misp.search(date_to=datetime(2001, 1, 1).timestamp(), pythonify=True)) == set()
    for bad in ("5x", "ad", "aaad", "soon"):
        assert misp.search(publish_timestamp=bad, pythonify=True) == []
        assert misp.search(controller="attributes", timestamp=bad) == {"Attribute": []}


def test_value_and_order_and_ipv6(server: LiveServer) -> None:
    """Point 11: exact values under AND are one IN on the attribute join; ``order``
    sorts; an IPv6 search value is compressed and lower-cased before matching."""
    misp = _client(server)
    first = misp.add_event(_event("b first", ("ip-dst", "192.0.2.1")), pythonify=True)
    second = misp.add_event(
        _event("a second", ("ip-dst", "192.0.2.2"), ("ip-src", "2001:db8::1")), pythonify=True
    )
    both = {"AND": ["192.0.2.1", "192.0.2.2"]}
    assert _ids(misp.search(value=both, pythonify=True)) == {first.id, second.id}
    attrs = misp.search(controller="attributes", value=both, pythonify=True)
    assert {a.value for a in attrs} == {"192.0.2.1", "192.0.2.2"}
    by_info = misp.direct_call("events/restSearch", {"order": "Event.info ASC"})
    assert [e["Event"]["info"] for e in by_info] == ["a second", "b first"]
    by_value = misp.direct_call(
        "attributes/restSearch", {"type": "ip-dst", "order": "Attribute.value DESC"}
    )
    assert [a["value"] for a in by_value["Attribute"]] == ["192.0.2.2", "192.0.2.1"]
    bad = misp.direct_call("events/restSearch", {"order": "Event.nope ASC"})
    assert bad["errors"][0] == 400, bad
    for spelling in ("2001:DB8:0:0:0:0:0:1", "2001:0db8::0001"):
        found = misp.search(controller="attributes", value=spelling, pythonify=True)
        assert [a.value for a in found] == ["2001:db8::1"], spelling


def test_answer_shapes_and_exports(server: LiveServer) -> None:
    """attributes/restSearch gives MISP's Attribute.Event (PyMISP's pythonify needs its
    info); csv and text as MISP's exports; NOT tags trim events' attributes; any other
    returnFormat is a 400."""
    misp = _client(server)
    event = _event("shapes", ("ip-src", "198.51.100.1"), ("text", "a note"))
    event.attributes[1].add_tag("drop-me")
    event.add_tag("on-the-event")
    event = misp.add_event(event, pythonify=True)
    misp.publish(event)
    found = misp.search(controller="attributes", eventid=event.id, pythonify=True)
    assert all(isinstance(a, MISPAttribute) and a.Event.info == "shapes" for a in found)
    raw = misp.search(controller="attributes", eventid=event.id)["Attribute"][0]["Event"]
    assert set(raw) == {"id", "uuid", "info", "org_id", "orgc_id", "distribution"}
    context = misp.search(controller="attributes", eventid=event.id, include_context=True)
    assert context["Attribute"][0]["Event"]["Orgc"]["name"]
    rows = misp.search(return_format="csv", eventid=event.id, pythonify=True)
    assert {r["value"] for r in rows} == {"198.51.100.1", "a note"}
    assert list(rows[0])[:5] == ["uuid", "event_id", "category", "type", "value"]
    text = misp.search(controller="attributes", return_format="text", eventid=event.id)
    assert text == "198.51.100.1\n"  # text exports published IDS attributes only
    body = misp.search(
        controller="attributes",
        return_format="csv",
        eventid=event.id,
        requested_attributes=["value", "type"],
        include_context=True,
    )
    header = next(csv.reader(io.StringIO(body)))
    assert header[:2] == ["value", "type"] and "event_info" in header
    kept = misp.search(eventid=event.id, tags={"NOT": ["drop-me"]}, pythonify=True)
    assert [a.value for a in kept[0].attributes] == ["198.51.100.1"]
    by_event_tag = misp.search(controller="attributes", event_tags="on-the-event")
    assert len(by_event_tag["Attribute"]) == 2
    assert misp.search(controller="attributes", event_tags="drop-me") == {"Attribute": []}
    refused = misp.direct_call("events/restSearch", {"returnFormat": "openioc"})
    assert refused["errors"][0] == 400 and "returnFormat" in refused["errors"][1]["message"]


def test_deleted_both_states_for_the_owner(server: LiveServer) -> None:
    """``deleted: [0, 1]`` gives live and soft-deleted content (to its owner; the rule is
    model.access.sees_deleted), ``deleted: 1`` only the deleted."""
    misp = _client(server)
    event = misp.add_event(_event("trash", ("text", "keep"), ("text", "gone")), pythonify=True)
    misp.delete_attribute(event.attributes[1])
    both = misp.search(eventid=event.id, deleted=[0, 1], pythonify=True)
    assert [(a.value, a.deleted) for a in both[0].attributes] == [("keep", False), ("gone", True)]
    only = misp.search(eventid=event.id, deleted=True, pythonify=True)
    assert [a.value for a in only[0].attributes] == ["gone"]
    found = misp.search(controller="attributes", eventid=event.id, deleted=[0, 1])
    assert {a["value"] for a in found["Attribute"]} == {"keep", "gone"}
    assert [a.value for a in misp.search(eventid=event.id, pythonify=True)[0].attributes] == [
        "keep"
    ]
