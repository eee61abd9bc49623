"""Warninglists loaded from pymispwarninglists as MISP's ``Warninglist::update`` saves them."""

from __future__ import annotations

from collections import Counter

import pytest

from threatmesh.model.errors import InvalidInput
from threatmesh.model.library.packaged import Loaded, pending
from threatmesh.model.library.warninglists import (
    ALL_TYPES,
    Warninglist,
    load_warninglists,
    warninglist_from_json,
)


@pytest.fixture(scope="module")
def loaded() -> Loaded[Warninglist]:
    return load_warninglists()


def test_every_shipped_list_loads(loaded: Loaded[Warninglist]) -> None:
    assert loaded.failures == ()
    assert len(loaded.items) == 119
    assert sum(len(w.values) for w in loaded.items) == 2_510_044
    assert Counter(w.type for w in loaded.items) == {
        "cidr": 69,
        "string": 26,
        "hostname": 19,
        "substring": 3,
        "regex": 2,
    }


def test_names_are_unique_and_in_folder_order(loaded: Loaded[Warninglist]) -> None:
    names = [w.name for w in loaded.items]
    assert len(set(names)) == len(names)
    # "akamai" is the first folder, "zscaler" the last.
    assert names[0] == "List of known Akamai IP ranges"
    assert names[-1] == "List of known Zscaler IP address ranges"


def test_dns_resolver_lists(loaded: Loaded[Warninglist]) -> None:
    # PyMISP's live test toggles '%dns resolv%' and expects exactly 3 lists.
    matching = [w for w in loaded.items if "dns resolv" in w.name.lower()]
    assert len(matching) == 3
    ipv4 = next(w for w in matching if "IPv4" in w.name)
    assert ipv4.type == "cidr"
    assert {"8.8.8.8", "9.9.9.9", "1.1.1.1"} <= set(ipv4.values)
    assert ipv4.matching_attributes == (
        "ip-src",
        "ip-dst",
        "domain|ip",
        "ip-src|port",
        "ip-dst|port",
    )


def test_loaded_lists_are_false_positive_category(loaded: Loaded[Warninglist]) -> None:
    assert {w.category for w in loaded.items} == {"false_positive"}


def test_defaults_for_missing_fields() -> None:
    wl = warninglist_from_json({"name": "x", "description": "d", "list": ["a", "", "0", "b"]})
    assert (wl.type, wl.version, wl.matching_attributes) == ("string", 1, (ALL_TYPES,))
    # PHP's empty() drops "" and "0".
    assert wl.values == ("a", "b")


def test_type_given_as_a_list_takes_the_first() -> None:
    wl = warninglist_from_json({"name": "x", "type": ["hostname", "string"], "list": ["a"]})
    assert wl.type == "hostname"


def test_list_written_as_an_object_keeps_comments() -> None:
    wl = warninglist_from_json({"name": "x", "list": {"1.2.3.4": "resolver", "5.6.7.8": ""}})
    assert wl.values == ("1.2.3.4", "5.6.7.8")
    assert list(wl.entries()) == [("1.2.3.4", "resolver"), ("5.6.7.8", "")]


@pytest.mark.parametrize("data", [{"name": "x", "type": "glob", "list": []}, {"list": ["a"]}])
def test_lists_misp_refuses(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        warninglist_from_json(data)


def test_update_is_a_no_op_when_versions_are_stored(loaded: Loaded[Warninglist]) -> None:
    installed = {w.name: w.version for w in loaded.items}
    assert (
        pending(
            loaded.items, key=lambda w: w.name, version=lambda w: w.version, installed=installed
        )
        == []
    )
    older = {**installed, loaded.items[0].name: loaded.items[0].version - 1}
    again = pending(
        loaded.items, key=lambda w: w.name, version=lambda w: w.version, installed=older
    )
    assert again == [loaded.items[0]]
