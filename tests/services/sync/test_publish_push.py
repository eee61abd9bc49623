"""Publishing pushes, as MISP pushes on publish, and relays on A -> B -> C (issue 16,
point 14): live servers with their background pushers running, driven with PyMISP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pymisp import MISPEvent, MISPServer

from tests.services.sync.federation import Chain, Instance, Pair, chain, pair
from tests.support import database_url
from threatmesh.services.sync.autopush import PushWorker, has_work
from threatmesh.storage.sync import servers as server_rows

T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, limit: float = 90.0) -> T:
    """Wait for ``check()`` to answer something true (the background pusher works on
    its own time); fail with ``what`` if it never does."""
    deadline = time.monotonic() + limit
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


def idle(inst: Instance, server_id: str) -> bool:
    """Whether ``inst``'s pusher has nothing left to do for connection ``server_id``."""
    platform = inst.srv.platform
    with platform.read() as conn:
        row = server_rows.server(conn, int(server_id))
        assert row is not None
        return not has_work(conn, row, platform.now())


def misp_event(distribution: int, *values: str, **extra: Any) -> MISPEvent:
    event = MISPEvent()
    event.info = f"published with distribution {distribution}"
    event.distribution = distribution
    for key, value in extra.items():
        setattr(event, key, value)
    for value in values:
        event.add_attribute("domain", value)
    return event


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def _urls(kind: str, tmp_path: Path, n: int) -> Iterator[tuple[str, ...]]:
    with ExitStack() as stack:
        dbs = [tmp_path / f"db{i}" for i in range(n)]
        for d in dbs:
            d.mkdir()
        yield tuple(stack.enter_context(database_url(kind, d)) for d in dbs)


@pytest.fixture
def two(kind: str, tmp_path: Path) -> Iterator[Pair]:
    """A and B with A's pusher running: A pushes to B."""
    with _urls(kind, tmp_path, 2) as urls, pair(urls, tmp_path, lifespan="on") as p:  # type: ignore[arg-type]
        yield p


@pytest.fixture
def three(kind: str, tmp_path: Path) -> Iterator[Chain]:
    """A -> B -> C by push, every pusher running."""
    with _urls(kind, tmp_path, 3) as urls, chain(urls, tmp_path) as c:  # type: ignore[arg-type]
        yield c


def test_publishing_pushes_to_the_connected_instance(two: Pair) -> None:
    a = two.a.pymisp()
    event = a.add_event(misp_event(3, "published.example"), pythonify=True)
    assert isinstance(event, MISPEvent)
    assert two.b.event(event.uuid) is None  # not published yet: nothing travels
    a.publish(event)
    on_b = eventually(lambda: two.b.event(event.uuid), "the published event reaches B")
    assert on_b["locked"] is True and on_b["Orgc"]["uuid"] == two.a.org_uuid
    assert [x["value"] for x in on_b["Attribute"]] == ["published.example"]
    # An edit unpublishes; publishing again sends the new version.
    event.add_attribute("domain", "second.example")
    # Timestamps have one-second resolution (as in MISP): A's clock moves on.
    two.a.srv.platform.clock = lambda: time.time() + 10
    a.update_event(event)
    a.publish(event)
    eventually(
        lambda: len((two.b.event(event.uuid) or {}).get("Attribute", [])) == 2,
        "the republished event reaches B",
    )


def test_a_connection_with_push_off_gets_nothing(two: Pair) -> None:
    two.a.call("POST", f"/servers/edit/{two.a_to_b}", {"push": False})
    a = two.a.pymisp()
    kept = a.add_event(misp_event(3, "kept.example"), pythonify=True)
    a.publish(kept)
    # The event is there to push, but the pusher considers only connections with push
    # on: the event waits on A until push is switched on.
    assert not idle(two.a, two.a_to_b)
    assert PushWorker(two.a.srv.platform).due() == []
    assert two.b.event(kept.uuid) is None
    two.a.call("POST", f"/servers/edit/{two.a_to_b}", {"push": True})
    eventually(lambda: two.b.event(kept.uuid), "the event goes once push is on")


def test_relay_follows_misp_distribution_rules(three: Chain) -> None:
    """A's publish reaches B by A's pusher and C by B's: "all communities" (3) goes
    on, "connected communities" (2) becomes "this community" (1) on B and stops there,
    a roaming sharing group goes to the instances of its member organisations only."""
    a, b, c = three.a, three.b, three.c
    org_c = {"name": "ORG-C", "uuid": c.org_uuid, "local": False}
    a.call("POST", "/admin/organisations/add", org_c)
    groups = {}
    for name, members in (("abc", (b, c)), ("ab", (b,))):
        sg = a.call("POST", "/sharing_groups/add", {"name": name, "roaming": True})
        groups[name] = sg["SharingGroup"]["id"]
        for m in (a, *members):  # the creator's org first: a new group has no member
            a.call("POST", "/sharingGroups/addOrg", {"sg_id": groups[name], "org_id": m.org_uuid})
    misp = a.pymisp()
    sent = {
        "two": misp_event(2, "two.example"),
        "sg-ab": misp_event(4, "ab.example", sharing_group_id=groups["ab"]),
        "sg-abc": misp_event(4, "abc.example", sharing_group_id=groups["abc"]),
        "three": misp_event(3, "three.example"),
    }
    made = {k: misp.add_event(e, pythonify=True) for k, e in sent.items()}
    for event in made.values():
        misp.publish(event)
    eventually(lambda: c.event(made["three"].uuid), "the all-communities event reaches C")
    eventually(lambda: idle(a, three.a_to_b) and idle(b, three.b_to_c), "the pushers are idle")
    on_b = {k: b.event(e.uuid) for k, e in made.items()}
    on_c = {k: c.event(e.uuid) for k, e in made.items()}
    assert all(on_b.values()), on_b
    assert {k: e["distribution"] for k, e in on_b.items() if e} == {
        "two": "1",
        "sg-ab": "4",
        "sg-abc": "4",
        "three": "3",
    }
    assert {k for k, e in on_c.items() if e} == {"sg-abc", "three"}
    assert on_c["three"]["Orgc"]["uuid"] == a.org_uuid  # type: ignore[index]
    group_on_c = c.call("GET", f"/sharing_groups/view/{on_c['sg-abc']['sharing_group_id']}")  # type: ignore[index]
    assert {o["Organisation"]["uuid"] for o in group_on_c["SharingGroupOrg"]} == {
        a.org_uuid,
        b.org_uuid,
        c.org_uuid,
    }


class _SlowPeer:
    """A remote that holds every request until released, then refuses the key."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked = threading.Event()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer.asked.set()
                peer.release.wait(120)
                body = b'{"name": "Forbidden", "message": "Authentication failed.", "url": "/"}'
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.http.shutdown()
        self.http.server_close()


def test_publish_does_not_wait_for_a_slow_peer(two: Pair) -> None:
    peer = _SlowPeer()
    try:
        misp = two.a.pymisp()
        server = MISPServer()
        server.name, server.url, server.authkey = "slow", peer.url, "k" * 40
        server.push = True
        slow = misp.add_server(server, pythonify=True)
        event = misp.add_event(misp_event(3, "patient.example"), pythonify=True)
        answer = misp.publish(event)
        assert answer["message"] == "Job queued", answer
        # The publish has answered; the push to the slow peer is still waiting on it.
        assert eventually(peer.asked.is_set, "A's pusher calls the slow peer")
        assert not peer.release.is_set()
        peer.release.set()  # the peer answers now: it refuses the key
        failures = eventually(
            lambda: two.a.call("GET", f"/servers/syncFailures/{slow.id}"),
            "the refused push is recorded",
        )
        failure = failures[0]["SyncFailure"]
        assert (failure["direction"], failure["event_uuid"]) == ("push", event.uuid)
        assert "not pushed" in failure["reason"] and "403" in failure["reason"], failure
        # The other connection was served all the same.
        eventually(lambda: two.b.event(event.uuid), "the healthy peer gets the event")
    finally:
        peer.close()


def test_pulled_events_are_not_offered_back(two: Pair) -> None:
    """MISP's passAlong: B pulls from A and also pushes to A; what it pulled from A
    is not offered back to A (no filterEventIdsForPush round trip for it)."""
    two.a.call("POST", f"/servers/edit/{two.a_to_b}", {"push": False})
    two.b.call("POST", f"/servers/edit/{two.b_from_a}", {"push": True})
    misp = two.a.pymisp()
    event = misp.add_event(misp_event(3, "round-trip.example"), pythonify=True)
    misp.publish(event)
    pulled = two.b.pymisp().server_pull(two.b_from_a)
    assert pulled["added"] == 1, pulled
    assert two.b.event(event.uuid) is not None
    pushed = two.b.pymisp().server_push(two.b_from_a)
    assert (pushed["listed"], pushed["skipped"]) == (0, 0), pushed
    assert two.a.event(event.uuid)["locked"] is False  # type: ignore[index]
