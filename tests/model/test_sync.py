"""MISP's sync rules as pure functions: what leaves, how it arrives, filter rules."""

from __future__ import annotations

from typing import Any

import pytest

from threatmesh.model.errors import InvalidInput
from threatmesh.model.sync import (
    Rules,
    incoming,
    outgoing,
    parse_rules,
    rules_allow,
    rules_as_filters,
    sharing_group_reaches_server,
    sharing_groups_in,
)

B_ORG = "bbbbbbbb-0000-4000-8000-000000000000"


def group(
    *, servers: list[tuple[int, bool]], orgs: list[str], roaming: bool = False
) -> dict[str, Any]:
    return {
        "uuid": "99999999-0000-4000-8000-000000000000",
        "roaming": roaming,
        "SharingGroupServer": [{"server_id": str(s), "all_orgs": a} for s, a in servers],
        "SharingGroupOrg": [{"Organisation": {"uuid": o}} for o in orgs],
    }


@pytest.mark.parametrize(
    ("servers", "orgs", "roaming", "expected"),
    [
        ([(0, False), (7, True)], [], False, True),  # listed with all orgs
        ([(0, False), (7, False)], [B_ORG], False, True),  # listed, remote org member
        ([(0, False), (7, False)], [], False, False),  # listed, remote org not a member
        ([(0, False)], [B_ORG], False, False),  # not listed, not roaming
        ([(0, False)], [B_ORG], True, True),  # roaming: membership is enough
        ([(0, False)], [], True, False),
    ],
)
def test_sharing_group_reaches_server(
    servers: list[tuple[int, bool]], orgs: list[str], roaming: bool, expected: bool
) -> None:
    g = group(servers=servers, orgs=orgs, roaming=roaming)
    assert sharing_group_reaches_server(g, 7, B_ORG) is expected


def event(**extra: Any) -> dict[str, Any]:
    attrs = [
        {
            "uuid": f"a{d}",
            "distribution": str(d),
            "sharing_group_id": "3" if d == 4 else "0",
            "Tag": [{"name": "keep"}, {"name": "mine", "local": 1}],
            "Sighting": [{"uuid": "s"}],
        }
        for d in range(6)
    ]
    return {
        "uuid": "e",
        "published": True,
        "distribution": "3",
        "sharing_group_id": "0",
        "Attribute": attrs,
        "Object": [],
        "Tag": [{"name": "tlp:green"}, {"name": "local-only", "local": 1}],
        "RelatedEvent": [{"Event": {}}],
        **extra,
    }


def test_only_published_events_of_distribution_2_to_4_leave() -> None:
    g = {"3": group(servers=[(7, True)], orgs=[])}
    assert outgoing(event(published=False), g) is None
    for d in ("0", "1"):
        assert outgoing(event(distribution=d), g) is None
    assert outgoing(event(distribution="4", sharing_group_id="3"), g) is not None
    assert outgoing(event(distribution="4", sharing_group_id="5"), g) is None  # unknown group


def test_distribution_0_and_1_elements_and_local_tags_stay() -> None:
    out = outgoing(event(), {"3": group(servers=[(7, True)], orgs=[])})
    assert out is not None
    assert [a["uuid"] for a in out["Attribute"]] == ["a2", "a3", "a4", "a5"]
    assert out["Attribute"][2]["SharingGroup"]["uuid"].startswith("9999")
    assert all(a["Tag"] == [{"name": "keep"}] for a in out["Attribute"])
    assert "Sighting" not in out["Attribute"][0] and "RelatedEvent" not in out
    assert out["Tag"] == [{"name": "tlp:green"}]


def test_community_content_goes_to_a_pulling_sync_user_only() -> None:
    """Served to a sync user (``community``): distribution 1 goes too, event and
    elements; distribution 0 never does; a push (the default) keeps 1 home."""
    g = {"3": group(servers=[(7, True)], orgs=[])}
    out = outgoing(event(), g, community=True)
    assert out is not None
    assert [a["uuid"] for a in out["Attribute"]] == ["a1", "a2", "a3", "a4", "a5"]
    served = outgoing(event(distribution="1"), g, community=True)
    assert served is not None and served["distribution"] == "1"
    assert outgoing(event(distribution="1"), g) is None
    assert outgoing(event(distribution="0"), g, community=True) is None


def test_a_sharing_group_element_needs_its_group_to_reach_the_server() -> None:
    refused = group(servers=[(0, False)], orgs=[])
    out = outgoing(
        event(), {"3": refused}, allows=lambda g: sharing_group_reaches_server(g, 7, B_ORG)
    )
    assert out is not None and [a["uuid"] for a in out["Attribute"]] == ["a2", "a3", "a5"]


def test_arrival_downgrades_connected_to_community_and_locks() -> None:
    pushed = incoming(event(distribution="2"), pulled=False)
    assert pushed["distribution"] == "1" and pushed["locked"] is True
    assert [a["distribution"] for a in pushed["Attribute"]] == ["0", "1", "1", "3", "4", "5"]
    pulled = incoming(event(distribution="2"), pulled=True)
    assert [a["distribution"] for a in pulled["Attribute"]] == ["0", "0", "1", "3", "4", "5"]
    assert pulled["Tag"] == [{"name": "tlp:green"}]


def test_sharing_groups_carried_by_an_event() -> None:
    ev = event()
    ev["Attribute"][4]["SharingGroup"] = {"uuid": "g"}
    assert sharing_groups_in(ev) == {"3": {"uuid": "g"}}


def test_rules_parse_and_filter() -> None:
    rules = parse_rules(
        '{"tags": {"OR": ["tlp:green"], "NOT": ["private"]}, "orgs": {"OR": [], "NOT": ["Evil"]}}',
        "Server.push_rules",
    )
    assert rules == Rules(tags_or=("tlp:green",), tags_not=("private",), orgs_not=("Evil",))
    assert parse_rules(rules.to_json(), "x") == rules
    good = {"Tag": [{"name": "tlp:green"}], "Orgc": {"name": "CIRCL", "uuid": "c"}}
    assert rules_allow(rules, good)
    assert not rules_allow(rules, {**good, "Tag": [{"name": "tlp:green"}, {"name": "private"}]})
    assert not rules_allow(rules, {**good, "Orgc": {"name": "Evil"}})
    assert not rules_allow(rules, {"Tag": [], "Orgc": {"name": "CIRCL"}})
    assert rules_as_filters(rules) == {"tags": ["tlp:green", "!private"], "org": ["!Evil"]}
    assert parse_rules("", "x") == Rules() and rules_allow(Rules(), {})


@pytest.mark.parametrize("raw", ["{not json", "[1]", '{"tags": ["a"]}', '{"tags": {"OR": "a"}}'])
def test_bad_rules_say_where(raw: str) -> None:
    with pytest.raises(InvalidInput, match=r"Server\.pull_rules"):
        parse_rules(raw, "Server.pull_rules")
