"""The pure notification visibility rules, on hand-made MISP JSON."""

from __future__ import annotations

from threatmesh.model.access import Viewer
from threatmesh.model.stream_access import visible_part

ADMIN = Viewer(1, 1, 1, True, frozenset(), frozenset())
OWNER = Viewer(2, 7, 3, False, frozenset(), frozenset())
OTHER = Viewer(3, 8, 3, False, frozenset({4}), frozenset())


def _event(distribution: int, **extra: object) -> dict[str, object]:
    return {
        "id": "1",
        "org_id": "7",
        "orgc_id": "7",
        "distribution": str(distribution),
        "sharing_group_id": "4" if distribution == 4 else "0",
        "published": True,
        **extra,
    }


def test_notifications_without_an_event_go_to_site_admins_only() -> None:
    payload = {"Organisation": {"id": "9", "name": "X"}, "action": "add"}
    assert visible_part(ADMIN, payload) == payload
    assert visible_part(OWNER, payload) is None


def test_event_level_and_unpublished_private() -> None:
    private = {"Event": _event(0), "action": "edit"}
    assert visible_part(OWNER, private) == private
    assert visible_part(OTHER, private) is None
    draft = {"Event": _event(1, published=False), "action": "add"}
    assert visible_part(OTHER, draft) == draft
    assert visible_part(OTHER, draft, unpublished_private=True) is None
    assert visible_part(OTHER, {"Event": _event(4), "action": "add"}) is not None


def test_attribute_object_and_sighting_rules() -> None:
    hidden = {"Event": _event(1), "Attribute": {"distribution": "0"}, "action": "add"}
    assert visible_part(OTHER, hidden) is None and visible_part(OWNER, hidden) == hidden
    in_object = {
        "Event": _event(1),
        "Attribute": {"distribution": "5"},
        "Object": {"distribution": "0"},
        "action": "add",
    }
    assert visible_part(OTHER, in_object) is None
    theirs = {"Event": _event(3), "Attribute": {"distribution": "5"}, "Sighting": {"org_id": "7"}}
    assert visible_part(OTHER, theirs) is None  # policy 0: only the owner sees others' sightings
    mine = {**theirs, "Sighting": {"org_id": "8"}}
    assert visible_part(OTHER, mine) == mine


def test_published_events_are_redacted_per_subscriber() -> None:
    full = _event(
        3,
        Attribute=[{"value": "open", "distribution": "5"}, {"value": "own", "distribution": "0"}],
        Object=[
            {"distribution": "0", "Attribute": [{"value": "in hidden object"}]},
            {
                "distribution": "4",
                "sharing_group_id": "4",
                "Attribute": [
                    {"value": "sg", "distribution": "5"},
                    {"value": "x", "distribution": "0"},
                ],
            },
        ],
    )
    seen = visible_part(OTHER, {"Event": full, "action": "publish"})
    assert seen is not None
    event = seen["Event"]
    assert [a["value"] for a in event["Attribute"]] == ["open"]
    assert [[a["value"] for a in o["Attribute"]] for o in event["Object"]] == [["sg"]]
    assert visible_part(OWNER, {"Event": full})["Event"] == full  # type: ignore[index]


def test_malformed_facts_do_not_crash() -> None:
    odd = {"Event": {"org_id": None, "distribution": "x"}, "Attribute": "not a dict"}
    assert visible_part(OTHER, odd) is None  # distribution 0 by default: the owner's only
