"""A pull fetches a page of events in one request; when that request fails while the
remote still answers (a page cut short by one bad event), it fetches the page one
event at a time, so the bad event costs only itself. A fake peer on an in-memory
transport plays the remote."""

from __future__ import annotations

import httpx
import pytest

from threatmesh.client.misp import Backoff, MispClient, RemoteError
from threatmesh.services.sync.pull import NOT_SENT, _fetch

GOOD = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]
BAD = "33333333-3333-4333-8333-333333333333"
LISTED = [{"id": str(n), "uuid": u} for n, u in enumerate([GOOD[0], BAD, GOOD[1]], 1)]


def peer(*, page: int, down: bool = False) -> MispClient:
    """A remote whose ``events/restSearch`` answers ``page`` (200: all but the bad
    event) and whose ``events/view`` of the bad event answers 403."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if down:
            raise httpx.ConnectError("refused", request=request)
        if path == "/servers/getVersion":
            return httpx.Response(200, json={"version": "2.5.2", "perm_sync": True})
        if path == "/events/restSearch":
            events = [{"Event": {"uuid": u}} for u in GOOD]
            return httpx.Response(page, json={"response": events, "message": "broken"})
        uuid = path.split("/")[3]
        if uuid == BAD:
            return httpx.Response(403, json={"message": "could not be prepared"})
        return httpx.Response(200, json={"Event": {"uuid": uuid}})

    backoff = Backoff(attempts=2, sleep=lambda _: None)
    return MispClient(
        "http://peer.test", "k" * 40, backoff=backoff, transport=httpx.MockTransport(handle)
    )


def test_an_event_left_out_of_a_page_is_reported() -> None:
    with peer(page=200) as client:
        raws, failed = _fetch(client, LISTED, fast=True)
    assert [r["uuid"] for r in raws] == GOOD
    assert failed == {BAD: NOT_SENT}


def test_a_failed_page_is_fetched_one_event_at_a_time() -> None:
    with peer(page=500) as client:
        raws, failed = _fetch(client, LISTED, fast=True)
    assert [r["uuid"] for r in raws] == GOOD
    assert list(failed) == [BAD] and "answered 403: could not be prepared" in failed[BAD]


def test_an_unreachable_remote_stops_the_run() -> None:
    with peer(page=200, down=True) as client, pytest.raises(RemoteError):
        _fetch(client, LISTED, fast=True)
