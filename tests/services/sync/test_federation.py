"""Sync across three live instances: A pushes to B, C pulls from B (MISP's rules)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services.sync.federation import Federation, Instance, federation
from tests.support import database_url
from threatmesh.services.sync import pull as sync_pull


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Federation]:
    """A, B and C on SQLite."""
    urls = tuple(f"sqlite:///{tmp_path / n}.db" for n in "abc")
    with federation(urls, tmp_path) as f:  # type: ignore[arg-type]
        yield f


def attr(value: str, distribution: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "domain",
        "value": value,
        "distribution": distribution,
        "uuid": str(uuid.uuid4()),
        **extra,
    }


def later(inst: Instance, seconds: int) -> None:
    """Run the instance's clock ``seconds`` ahead of the wall clock."""
    inst.srv.platform.clock = lambda: time.time() + seconds


def make_event(
    inst: Instance, distribution: int, attributes: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    body = {
        "info": f"dist {distribution}",
        "distribution": distribution,
        "published": True,
        "Attribute": attributes,
        "Tag": [{"name": "tlp:green"}],
        **extra,
    }
    return dict(inst.call("POST", "/events/add", body)["Event"])


def values(event: dict[str, Any] | None) -> dict[str, str]:
    assert event is not None
    out = {a["value"]: a["distribution"] for a in event.get("Attribute", [])}
    for obj in event.get("Object", []):
        out |= {a["value"]: a["distribution"] for a in obj["Attribute"]}
    return out


def test_distribution_levels_travel_as_misp_allows(fed: Federation) -> None:
    a = fed.a
    d0 = make_event(a, 0, [attr("zero.example", 5)])
    d1 = make_event(a, 1, [attr("one.example", 5)])
    d2 = make_event(
        a,
        2,
        [
            attr("two-inherit.example", 5),
            attr("two-own.example", 2),
            attr("two-private.example", 0),
            attr("two-community.example", 1),
        ],
    )
    objects = [
        {
            "name": "domain-ip",
            "distribution": 5,
            "Attribute": [
                {"type": "domain", "object_relation": "domain", "value": "obj-open.example"},
                {
                    "type": "ip-dst",
                    "object_relation": "ip",
                    "value": "198.51.100.7",
                    "distribution": 0,
                },
            ],
        },
        {
            "name": "domain-ip",
            "distribution": 1,
            "Attribute": [
                {"type": "domain", "object_relation": "domain", "value": "obj-community.example"},
            ],
        },
    ]
    d3 = make_event(
        a,
        3,
        [
            attr("three-all.example", 3),
            attr("three-org.example", 0),
            attr("three-community.example", 1),
            attr("three-connected.example", 2),
        ],
        Object=objects,
    )
    unpublished = make_event(a, 3, [attr("draft.example", 5)], published=False)
    pushed, pulled = fed.sync()
    assert pushed["added"] == 2, pushed
    b, c = fed.b, fed.c
    assert b.event(d0["uuid"]) is None and b.event(d1["uuid"]) is None
    assert b.event(unpublished["uuid"]) is None
    on_b = b.event(d2["uuid"])
    assert on_b is not None and on_b["distribution"] == "1"  # 2 becomes 1
    assert values(on_b) == {"two-inherit.example": "5", "two-own.example": "1"}
    assert on_b["Orgc"]["uuid"] == a.org_uuid and on_b["locked"] is True
    assert [t["name"] for t in on_b["Tag"]] == ["tlp:green"]
    three = b.event(d3["uuid"])
    assert three is not None and three["distribution"] == "3"
    assert values(three) == {
        "three-all.example": "3",
        "three-connected.example": "1",
        "obj-open.example": "5",
    }
    assert [o["distribution"] for o in three["Object"]] == ["5"]
    # C pulls from B as a user of B's community: the (now community-only)
    # distribution-2 event and B's community content reach C, which keeps them as
    # "your organisation only" (MISP's __updatePulledEventBeforeInsert).
    two_on_c = c.event(d2["uuid"])
    assert two_on_c is not None and two_on_c["distribution"] == "0"
    assert values(two_on_c) == {"two-inherit.example": "5", "two-own.example": "0"}
    on_c = c.event(d3["uuid"])
    assert on_c is not None and on_c["distribution"] == "3"
    assert values(on_c) == {
        "three-all.example": "3",
        "three-connected.example": "0",
        "obj-open.example": "5",
    }
    assert on_c["Orgc"]["uuid"] == a.org_uuid and on_c["locked"] is True
    assert pulled["added"] == 2, pulled


def test_sync_is_incremental_and_idempotent(fed: Federation) -> None:
    a = fed.a
    ev = make_event(a, 3, [attr("first.example", 5)])
    fed.sync()
    pushed, pulled = fed.sync()
    assert (pushed["added"], pulled["added"], pulled["updated"]) == (0, 0, 0)
    # An edit on A (newer timestamp) replaces the copies downstream. A's clock moves on
    # (timestamps have one-second resolution, as in MISP; the test takes less).
    later(a, 10)
    a.call(
        "POST",
        f"/events/edit/{ev['uuid']}",
        {"info": "edited", "published": True, "Attribute": [attr("second.example", 5)]},
    )
    pushed, pulled = fed.sync()
    assert pushed["added"] == 1 and pulled["updated"] == 1, (pushed, pulled)
    on_c = fed.c.event(ev["uuid"])
    assert on_c is not None and on_c["info"] == "edited"
    assert set(values(on_c)) == {"first.example", "second.example"}
    # A deletion on A travels too (deleted content is synced, MISP's deleted[]:1).
    first = next(x for x in fed.a.event(ev["uuid"])["Attribute"] if x["value"] == "first.example")
    later(a, 20)
    a.call("POST", f"/attributes/delete/{first['uuid']}")
    a.call("POST", f"/events/publish/{ev['uuid']}")
    fed.sync()
    assert set(values(fed.c.event(ev["uuid"]))) == {"second.example"}


def test_locked_events_refuse_local_edits(fed: Federation) -> None:
    ev = make_event(fed.a, 3, [attr("locked.example", 5)])
    fed.sync()
    b = fed.b
    b_user = b.call("POST", "/admin/users/add", {"email": "analyst@b.test", "role_id": 3})["User"][
        "authkey"
    ]
    status = b.status("POST", f"/events/edit/{ev['uuid']}", {"info": "local change"}, key=b_user)
    assert status in (403, 404)
    assert b.event(ev["uuid"])["info"] == "dist 3"  # type: ignore[index]


def _group(
    inst: Instance, name: str, members: list[Instance], server: str | None, all_orgs: bool = False
) -> str:
    sg = inst.call("POST", "/sharing_groups/add", {"name": name})["SharingGroup"]
    # The creator's organisation first (a new group has no member, as in MISP).
    for m in [inst, *(m for m in members if m is not inst)]:
        inst.call("POST", "/sharingGroups/addOrg", {"sg_id": sg["id"], "org_id": m.org_uuid})
    if server is not None:
        inst.call(
            "POST",
            "/sharingGroups/addServer",
            {"sg_id": sg["id"], "server_id": server, "all_orgs": all_orgs},
        )
    return str(sg["id"])


def test_sharing_group_events_reach_exactly_their_members(fed: Federation) -> None:
    a, b, c = fed.a, fed.b, fed.c
    a.call(
        "POST", "/admin/organisations/add", {"name": "ORG-C", "uuid": c.org_uuid, "local": False}
    )
    ab = _group(a, "A and B", [a, b], fed.a_to_b)
    abc = _group(a, "A, B and C", [a, b, c], fed.a_to_b)
    ac = _group(a, "A and C", [a, c], fed.a_to_b)
    unlisted = _group(a, "B, server not listed", [a, b], None)
    events = {
        name: make_event(a, 4, [attr(f"{name}.example", 5)], sharing_group_id=sg)
        for name, sg in (("ab", ab), ("abc", abc), ("ac", ac), ("unlisted", unlisted))
    }
    fed.sync()
    on_b = {n for n, e in events.items() if b.event(e["uuid"]) is not None}
    on_c = {n for n, e in events.items() if c.event(e["uuid"]) is not None}
    assert on_b == {"ab", "abc"}
    assert on_c == {"abc"}
    sg_on_c = c.event(events["abc"]["uuid"])["sharing_group_id"]  # type: ignore[index]
    group = c.call("GET", f"/sharing_groups/view/{sg_on_c}")
    members = {o["Organisation"]["uuid"] for o in group["SharingGroupOrg"]}
    assert members == {a.org_uuid, b.org_uuid, c.org_uuid}


def test_sightings_replicate(fed: Federation) -> None:
    ev = make_event(fed.a, 3, [attr("seen.example", 5)])
    fed.sync()
    target = fed.a.event(ev["uuid"])["Attribute"][0]  # type: ignore[index]
    fed.a.call("POST", f"/sightings/add/{target['uuid']}", {"source": "sensor-1"})
    pushed, _ = fed.sync()
    assert pushed["sightings"] == 1
    seen = fed.b.call("POST", f"/sightings/listSightings/{ev['uuid']}/event")
    assert [(s["Sighting"]["source"], s["Sighting"]["Organisation"]["uuid"]) for s in seen] == [
        ("sensor-1", fed.a.org_uuid)
    ]
    pushed, _ = fed.sync()
    assert pushed["sightings"] == 0


@pytest.mark.postgres
def test_three_instances_on_postgresql(tmp_path: Path) -> None:
    with (
        database_url("postgresql", tmp_path / "a") as ua,
        database_url("postgresql", tmp_path / "b") as ub,
        database_url("postgresql", tmp_path / "c") as uc,
        federation((ua, ub, uc), tmp_path) as fed,
    ):
        d3 = make_event(fed.a, 3, [attr("pg-all.example", 5), attr("pg-org.example", 0)])
        d2 = make_event(fed.a, 2, [attr("pg-connected.example", 5)])
        fed.sync()
        assert values(fed.c.event(d3["uuid"])) == {"pg-all.example": "5"}
        assert fed.b.event(d2["uuid"])["distribution"] == "1"  # type: ignore[index]
        assert fed.c.event(d2["uuid"])["distribution"] == "0"  # type: ignore[index]


def test_a_refused_event_is_reported_and_the_push_goes_on(fed: Federation) -> None:
    shared = str(uuid.uuid4())
    fed.b.call("POST", "/events/add", {"uuid": shared, "info": "B's own", "distribution": 3})
    later(fed.a, 10)  # A's copy is newer, so B asks for it, then refuses it
    make_event(fed.a, 3, [attr("clash.example", 5)], uuid=shared)
    fine = make_event(fed.a, 3, [attr("fine.example", 5)])
    pushed, _ = fed.sync()
    assert pushed["failed"] == 1 and pushed["added"] == 1, pushed
    assert "created locally" in pushed["failures"][shared]
    assert fed.b.event(shared)["info"] == "B's own"  # type: ignore[index]
    assert fed.b.event(fine["uuid"]) is not None


def test_the_misp_protocol_pull_stores_the_same(fed: Federation) -> None:
    """C pulls event by event (events/view, as from a real MISP) instead of in pages."""
    d3 = make_event(
        fed.a,
        3,
        [
            attr("view-all.example", 3),
            attr("view-org.example", 0),
            attr("view-connected.example", 2),
        ],
    )
    fed.a.call("POST", f"/servers/push/{fed.a_to_b}")
    report = sync_pull.pull(fed.c.srv.platform, int(fed.c_from_b), batched=False)
    assert report.outcome.added == [d3["uuid"]] and not report.outcome.failed
    assert values(fed.c.event(d3["uuid"])) == {
        "view-all.example": "3",
        "view-connected.example": "0",
    }
