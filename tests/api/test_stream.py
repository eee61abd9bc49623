"""``GET /stream/events``: live notifications over SSE, resume, access control, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.support import LiveServer
from tests.support_sse import SSEReader

from threatmesh.services.admin import organisations, users


def _post(srv: LiveServer, path: str, body: Any, key: str | None = None) -> Any:
    r = httpx.post(
        srv.url + path, json=body, headers={"Authorization": key or srv.admin_key}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_live_stream_then_resume(server: LiveServer) -> None:
    reader = SSEReader(
        server.url,
        server.admin_key,
        count=3,
        params={"topics": "misp_json_event,misp_json_attribute"},
    ).start()
    ev = _post(server, "/events/add", {"info": "live", "distribution": 1})["Event"]
    _post(server, f"/attributes/add/{ev['id']}", {"type": "domain", "value": "live.example"})
    _post(server, "/tags/attachTagToObject", {"uuid": ev["uuid"], "tag": "tlp:amber"})
    _post(server, f"/events/edit/{ev['id']}", {"info": "live, edited"})
    frames = reader.join()
    assert [(f.event, f.data["action"]) for f in frames] == [
        ("misp_json_event", "add"),
        ("misp_json_attribute", "add"),
        ("misp_json_event", "edit"),  # the tag (another topic) was filtered out
    ]
    assert frames[1].data["Attribute"]["value"] == "live.example"
    assert frames[1].data["Event"]["uuid"] == ev["uuid"]
    assert frames[0].id < frames[1].id < frames[2].id

    # Resume after the first frame: the rest again, identical, ids and all.
    again = SSEReader(
        server.url,
        server.admin_key,
        count=2,
        params={"topics": "misp_json_event,misp_json_attribute"},
        headers={"Last-Event-ID": str(frames[0].id)},
    ).start()
    assert again.join() == frames[1:]
    # From the start (?last_event_id=0), every topic: the tag notification is there too,
    # after the organisation and user of the server's bootstrap.
    everything = SSEReader(
        server.url, server.admin_key, count=6, params={"last_event_id": "0"}
    ).start()
    assert [f.event for f in everything.join()] == [
        "misp_json_organisation",
        "misp_json_user",
        "misp_json_event",
        "misp_json_attribute",
        "misp_json_tag",
        "misp_json_event",
    ]


def _user(srv: LiveServer, org: str, email: str) -> str:
    root = srv.platform.identify(srv.admin_key)
    assert root is not None
    made = organisations.add_org(srv.platform, root, {"name": org})
    user = users.add_user(srv.platform, root, {"email": email, "org_id": made["id"]})
    return str(user["User"]["authkey"])


def test_subscribers_get_only_what_they_may_see(sqlite_server: LiveServer) -> None:
    srv = sqlite_server
    other = _user(srv, "OTHER", "o@other.test")
    private = _post(srv, "/events/add", {"info": "org only", "distribution": 0})["Event"]
    _post(srv, f"/attributes/add/{private['id']}", {"type": "domain", "value": "p.example"})
    shared = _post(
        srv,
        "/events/add",
        {
            "info": "community",
            "distribution": 1,
            "Attribute": [
                {"type": "domain", "value": "open.example"},
                {"type": "domain", "value": "secret.example", "distribution": 0},
            ],
        },
    )["Event"]
    hidden = _post(
        srv,
        f"/attributes/add/{shared['id']}",
        {"type": "domain", "value": "hidden.example", "distribution": 0},
    )
    _post(srv, "/tags/attachTagToObject", {"uuid": hidden["Attribute"]["uuid"], "tag": "t:x"})
    _post(srv, f"/events/publish/{shared['id']}", {})
    _post(srv, "/events/add", {"info": "last", "distribution": 3})

    seen = SSEReader(srv.url, other, count=4, params={"last_event_id": "0"}).start().join()
    assert [(f.event, f.data["action"]) for f in seen] == [
        ("misp_json_event", "add"),  # the community event
        ("misp_json_event", "publish"),
        ("misp_json", "publish"),
        ("misp_json_event", "add"),  # "last"
    ]
    assert {f.data["Event"]["uuid"] for f in seen} == {
        shared["uuid"],
        seen[-1].data["Event"]["uuid"],
    }
    published = seen[2].data["Event"]
    assert [a["value"] for a in published["Attribute"]] == ["open.example"]
    # The site admin sees all eight, and the organisations and users (3 + 2 of each).
    everything = SSEReader(srv.url, srv.admin_key, count=12, params={"last_event_id": "0"})
    assert len(everything.start().join()) == 12


@pytest.mark.parametrize(
    ("params", "headers", "status", "needle"),
    [
        ({"topics": "misp_json_event,bogus"}, {}, 400, "unknown topic 'bogus'"),
        ({}, {"Last-Event-ID": "abc"}, 400, "Last-Event-ID: 'abc' is not a notification id"),
        ({}, {"Last-Event-ID": "-3"}, 400, "Last-Event-ID"),
        ({"last_event_id": "1e9"}, {}, 400, "last_event_id: '1e9'"),
        ({}, {"Last-Event-ID": "9" * 30}, 400, "is not a notification id"),
        ({}, {"Last-Event-ID": "999999"}, 400, "past the newest notification (2)"),
    ],
)
def test_bad_requests_are_4xx_that_say_why(
    sqlite_server: LiveServer,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    needle: str,
) -> None:
    r = httpx.get(
        sqlite_server.url + "/stream/events",
        params=params,
        headers={"Authorization": sqlite_server.admin_key, **headers},
        timeout=10,
    )
    assert r.status_code == status
    body = r.json()
    assert needle in body["message"] and body["url"] == "/stream/events"


def test_the_stream_needs_an_api_key(sqlite_server: LiveServer) -> None:
    r = httpx.get(sqlite_server.url + "/stream/events", timeout=10)
    assert r.status_code == 401 and "Authentication failed" in r.json()["message"]
    r = httpx.get(sqlite_server.url + "/stream/events", headers={"Authorization": "x" * 40})
    assert r.status_code == 401


def test_a_deleted_user_s_stream_ends(sqlite_server: LiveServer) -> None:
    srv = sqlite_server
    key = _user(srv, "GONE", "g@gone.test")
    reader = SSEReader(srv.url, key, count=1000, timeout=15).start()
    root = srv.platform.identify(srv.admin_key)
    assert root is not None
    who = srv.platform.identify(key)
    assert who is not None
    users.delete_user(srv.platform, root, str(who.viewer.user_id))
    srv.platform.forget_identities()
    assert reader.ended(10) and reader.frames == []
