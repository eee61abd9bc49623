"""restSearch parameters as MISP reads them (services.search.params): time deltas,
float epochs, order, IPv6 values."""

from __future__ import annotations

import pytest

from threatmesh.model.errors import InvalidInput
from threatmesh.services.search.params import event_scope, parse_query, relative_time

NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1796500171.0, 1796500171),
        ("1796500171.7", 1796500171),
        (1796500171, 1796500171),
        ("5", 5),  # a number is an epoch, as MISP's is_numeric branch
        ("4m", NOW - 240),
        ("1.5h", NOW - 5400),
        ("2W", NOW - 2 * 604800),
        ("999999999w", 0),
        ("2026-01-01", 1767225600),
        ("5x", NOW + 1),  # malformed: in the future, so nothing matches
        ("ad", NOW + 1),
        ("", NOW + 1),
        (True, NOW + 1),
        ("9" * 40, 2**63 - 1),
    ],
)
def test_relative_time_as_misp_resolves_it(raw: object, expected: int) -> None:
    assert relative_time(raw, "timestamp", NOW) == expected


def test_ranges_swap_and_reject_other_lengths() -> None:
    assert parse_query({"timestamp": ["4m", "6m"]}, now=NOW).timestamp == (NOW - 360, NOW - 240)
    with pytest.raises(InvalidInput, match="timestamp"):
        parse_query({"timestamp": [1, 2, 3]}, now=NOW)
    with pytest.raises(InvalidInput, match="last"):
        parse_query({"last": {"a": 1}}, now=NOW)


def test_from_to_take_epochs_as_dates() -> None:
    q = parse_query({"from": 1767225600.0, "to": "2026-02-01"}, now=NOW)
    assert q.date == ("2026-01-01", "2026-02-01")


def test_events_scope_timestamp_is_the_events() -> None:
    assert event_scope({"timestamp": "4m"}) == {"event_timestamp": "4m"}
    assert event_scope({"timestamp": 1, "event_timestamp": 2}) == {
        "timestamp": 1,
        "event_timestamp": 2,
    }
    assert event_scope(5) == 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Event.timestamp ASC", ("Event", "timestamp", False)),
        ("attribute.value desc", ("Attribute", "value", True)),
        ("date", ("", "date", False)),
        ("", None),
    ],
)
def test_order(raw: str, expected: object) -> None:
    assert parse_query({"order": raw}, now=NOW).order == expected


@pytest.mark.parametrize("raw", ["Event.timestamp; DROP", "Event.timestamp SIDEWAYS", ["x"]])
def test_bad_order_is_refused(raw: object) -> None:
    with pytest.raises(InvalidInput, match="order"):
        parse_query({"order": raw}, now=NOW)


def test_ipv6_values_are_canonical() -> None:
    q = parse_query({"value": {"OR": ["2001:DB8:0::1", "%2001:DB8%"], "NOT": ["::FFFF"]}}, now=NOW)
    assert q.value.any_of == ("2001:db8::1", "%2001:DB8%")  # a LIKE term is left alone
    assert q.value.none_of == ("::ffff",)
