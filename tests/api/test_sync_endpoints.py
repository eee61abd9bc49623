"""The endpoints a remote instance calls while syncing with us, driven over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import LiveServer


class Caller:
    def __init__(self, srv: LiveServer, key: str) -> None:
        self.srv = srv
        self.http = httpx.Client(base_url=srv.url, headers={"Authorization": key}, timeout=60)

    def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.http.request(method, path, json=body)
        assert r.status_code == status, (path, r.status_code, r.text)
        return r.json()


@pytest.fixture
def callers(sqlite_server: LiveServer) -> Iterator[tuple[Caller, Caller, Caller]]:
    admin = Caller(sqlite_server, sqlite_server.admin_key)
    org = admin("POST", "/admin/organisations/add", {"name": "REMOTE", "uuid": str(uuid.uuid4())})
    org_id = org["Organisation"]["id"]
    keys = [
        admin(
            "POST",
            "/admin/users/add",
            {"email": f"{n}@remote.test", "org_id": org_id, "role_id": role},
        )["User"]["authkey"]
        for n, role in (("sync", 5), ("analyst", 3))
    ]
    sync, analyst = Caller(sqlite_server, keys[0]), Caller(sqlite_server, keys[1])
    yield admin, sync, analyst
    for c in (admin, sync, analyst):
        c.http.close()


def _event(admin: Caller, distribution: int, **extra: Any) -> dict[str, Any]:
    body = {
        "info": "local",
        "distribution": distribution,
        "published": True,
        "Attribute": [{"type": "domain", "value": f"{uuid.uuid4().hex}.example"}],
        **extra,
    }
    return dict(admin("POST", "/events/add", body)["Event"])


def test_push_negotiation(callers: tuple[Caller, Caller, Caller]) -> None:
    admin, sync, analyst = callers
    ev = _event(admin, 3)
    ts, unknown = int(ev["timestamp"]), str(uuid.uuid4())
    offer = [
        {"Event": {"uuid": ev["uuid"], "timestamp": str(ts)}},
        {"Event": {"uuid": unknown, "timestamp": "5"}},
    ]
    assert sync("POST", "/events/filterEventIdsForPush", offer) == [unknown]
    newer = [{"Event": {"uuid": ev["uuid"], "timestamp": str(ts + 10)}}]
    assert sync("POST", "/events/filterEventIdsForPush", newer) == [ev["uuid"]]
    analyst("POST", "/events/filterEventIdsForPush", offer, status=403)
    assert sync("GET", f"/events/checkuuid/{ev['uuid']}") == {"exists": True}
    assert sync("GET", f"/events/checkuuid/{unknown}") == {"exists": False}


def test_sightings_from_a_remote(callers: tuple[Caller, Caller, Caller]) -> None:
    admin, sync, _ = callers
    ev = _event(admin, 3)
    attr = ev["Attribute"][0]
    known = admin("POST", f"/sightings/add/{attr['uuid']}", {"source": "here"})["Sighting"]
    new = str(uuid.uuid4())
    assert sync("POST", "/sightings/filterSightingsForPush", [known["uuid"], new]) == [new]
    remote_org = {"uuid": str(uuid.uuid4()), "name": "FAR-AWAY"}
    sighting = {
        "uuid": new,
        "attribute_uuid": attr["uuid"],
        "date_sighting": "1700000000",
        "source": "there",
        "type": "0",
        "Organisation": remote_org,
    }
    path = f"/sightings/bulkSaveSightings/{ev['uuid']}"
    assert sync("POST", path, [sighting])["success"] == "1 sightings added."
    assert sync("POST", path, [sighting])["saved"] is False
    bad = {**sighting, "uuid": str(uuid.uuid4()), "date_sighting": "yesterday"}
    assert "date_sighting" in sync("POST", path, [bad], status=400)["message"]
    seen = admin("POST", f"/sightings/listSightings/{ev['uuid']}/event")
    assert {s["Sighting"]["Organisation"]["name"] for s in seen} == {"ADMIN-ORG", "FAR-AWAY"}


def test_a_pushed_event_is_stored_with_the_receiving_rules(
    callers: tuple[Caller, Caller, Caller],
) -> None:
    admin, sync, analyst = callers
    creator = {"uuid": str(uuid.uuid4()), "name": "CREATOR"}
    event = {
        "uuid": str(uuid.uuid4()),
        "info": "pushed",
        "distribution": "2",
        "published": True,
        "timestamp": "1700000000",
        "Orgc": creator,
        "Attribute": [{"type": "domain", "value": "pushed.example", "distribution": "2"}],
    }
    stored = sync("POST", "/events/add/metadata:1", {"Event": event})["Event"]
    assert stored["Orgc"]["uuid"] == creator["uuid"] and stored["Org"]["name"] == "REMOTE"
    assert stored["locked"] is True and stored["distribution"] == "1"
    older = {**event, "info": "older", "timestamp": "1600000000"}
    sync("POST", f"/events/edit/{event['uuid']}/metadata:1", {"Event": older})
    assert admin("GET", f"/events/view/{event['uuid']}")["Event"]["info"] == "pushed"
    analyst("POST", f"/events/edit/{event['uuid']}", {"info": "mine now"}, status=403)
    sync(
        "POST",
        "/events/add",
        {"Event": {"info": "no creator", "uuid": str(uuid.uuid4())}},
        status=400,
    )


@pytest.mark.parametrize("strict", [False, True])
def test_a_sync_user_sees_only_what_sync_may_send(
    callers: tuple[Caller, Caller, Caller], strict: bool
) -> None:
    """Published events of distribution 1-4 (MISP: the sync user is a user of this
    community), with what may leave of them; on a strict instance
    (``THREATMESH_SYNC_SERVE_COMMUNITY=false``) distribution 2-4 only."""
    admin, sync, _ = callers
    admin.srv.platform.sync_serve_community = not strict
    community = _event(admin, 1)
    draft = _event(admin, 3, published=False)
    shared = _event(
        admin,
        3,
        Attribute=[
            {"type": "domain", "value": "open.example"},
            {"type": "domain", "value": "org-only.example", "distribution": 0},
            {"type": "domain", "value": "gone.example"},
        ],
    )
    gone = next(a for a in shared["Attribute"] if a["value"] == "gone.example")
    admin("POST", f"/attributes/delete/{gone['uuid']}")
    admin("POST", f"/events/publish/{shared['uuid']}")
    served = [shared["uuid"]] if strict else [community["uuid"], shared["uuid"]]
    listed = {e["uuid"] for e in sync("POST", "/events/index", {"minimal": 1})}
    assert listed == set(served)
    if strict:
        sync("GET", f"/events/view/{community['uuid']}", status=404)
    else:
        assert sync("GET", f"/events/view/{community['uuid']}")["Event"]["distribution"] == "1"
    sync("GET", f"/events/view/{draft['uuid']}", status=404)
    got = sync("GET", f"/events/view/{shared['uuid']}/deleted[]:0/deleted[]:1")["Event"]
    assert {(a["value"], a["deleted"]) for a in got["Attribute"]} == {
        ("open.example", False),
        ("gone.example", True),
    }
    found = sync("POST", "/events/restSearch", {})["response"]
    assert [e["Event"]["uuid"] for e in found] == served
    assert len(found[-1]["Event"]["Attribute"]) == 2


def test_bad_sync_input_is_a_clear_4xx(callers: tuple[Caller, Caller, Caller]) -> None:
    admin, sync, _ = callers
    for body, where in (
        ("not a list", "request body"),
        ([{"Event": {"timestamp": "1"}}], "Event.uuid"),
        ([{"Event": {"uuid": str(uuid.uuid4()), "timestamp": "soon"}}], "Event.timestamp"),
    ):
        assert where in sync("POST", "/events/filterEventIdsForPush", body, status=400)["message"]
    ev = _event(admin, 3)
    attr = ev["Attribute"][0]
    path = f"/sightings/bulkSaveSightings/{ev['uuid']}"
    odd = {"uuid": str(uuid.uuid4()), "attribute_uuid": attr["uuid"], "Organisation": "x"}
    assert sync("POST", path, [odd])["saved"] is False
    bad_org = {**odd, "uuid": str(uuid.uuid4()), "Organisation": {"uuid": "nope"}}
    assert "Organisation.uuid" in sync("POST", path, [bad_org], status=400)["message"]
    base = {
        "uuid": str(uuid.uuid4()),
        "info": "x",
        "distribution": 3,
        "published": True,
        "Orgc": {"uuid": str(uuid.uuid4()), "name": "C"},
    }
    cases = [
        ({**base, "Orgc": {"uuid": "nope"}}, "Orgc.uuid"),
        (
            {**base, "distribution": 4, "sharing_group_id": 7, "SharingGroup": {"uuid": "nope"}},
            "SharingGroup.uuid",
        ),
        (
            {
                **base,
                "distribution": 4,
                "sharing_group_id": 7,
                "SharingGroup": {"uuid": str(uuid.uuid4()), "SharingGroupOrg": 5},
            },
            "SharingGroupOrg",
        ),
        ({**base, "distribution": 4, "sharing_group_id": 7}, "SharingGroup"),
    ]
    for body, where in cases:
        r = sync("POST", "/events/add", {"Event": body}, status=400)
        assert where in r["message"], (where, r)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["4", "2", str(uuid.UUID(int=1)), "1700000000"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "uuid",
                    "info",
                    "distribution",
                    "sharing_group_id",
                    "Orgc",
                    "published",
                    "timestamp",
                    "Attribute",
                    "SharingGroup",
                    "SharingGroupOrg",
                    "SharingGroupServer",
                    "Organisation",
                    "Server",
                    "url",
                    "type",
                    "value",
                    "attribute_uuid",
                    "date_sighting",
                    "Event",
                    "Sighting",
                    "name",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=_json,
    path=st.sampled_from(
        [
            "/events/add",
            "/events/filterEventIdsForPush",
            "/sightings/bulkSaveSightings",
            "/sightings/filterSightingsForPush",
            f"/events/edit/{uuid.UUID(int=1)}",
        ]
    ),
)
def test_no_sync_input_makes_a_500(
    callers: tuple[Caller, Caller, Caller], body: Any, path: str
) -> None:
    _, sync, _ = callers
    r = sync.http.post(path, json=body)
    assert r.status_code < 500, (path, body, r.text)
