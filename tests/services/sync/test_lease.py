"""One push run per server at a time; the background pusher backs off from a remote
that does not answer and records what it could not send (SQLite and PostgreSQL)."""

from __future__ import annotations

import socket

import pytest

from tests.support import site_admin
from threatmesh.services.events import events as event_svc
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.sync import failures as failure_svc
from threatmesh.services.sync import lease, servers
from threatmesh.services.sync import push as sync_push
from threatmesh.services.sync.autopush import PushWorker
from threatmesh.storage.sync import leases


@pytest.fixture
def admin(platform: Platform) -> Identity:
    return site_admin(platform)


def _server(platform: Platform, who: Identity, url: str = "http://127.0.0.1:9") -> int:
    body = {"name": "peer", "url": url, "authkey": "k" * 40, "push": True}
    return int(servers.add(platform, who, body)["Server"]["id"])


def test_a_second_run_waits_for_the_first(platform: Platform, admin: Identity) -> None:
    sid = _server(platform, admin)
    with lease.held(platform, sid):
        with pytest.raises(lease.Busy) as refused:
            sync_push.push(platform, sid, wait=0)
        assert refused.value.status == 409
        assert PushWorker(platform).run_once() == 0  # the pusher leaves it alone too
    with lease.held(platform, sid, wait=0):
        pass  # released at the end of the block


def test_a_lease_left_by_a_dead_process_is_taken_over(platform: Platform, admin: Identity) -> None:
    sid = _server(platform, admin)
    dead = f"{socket.gethostname()}/999999999/left-behind"
    with platform.write() as conn:
        assert leases.claim(conn, sid, "push", dead, platform.now(), 3600)
    with lease.held(platform, sid, wait=0):
        pass
    elsewhere = "another-host/1/alive"
    with platform.write() as conn:
        assert leases.claim(conn, sid, "push", elsewhere, platform.now(), 3600)
    with pytest.raises(lease.Busy):
        with lease.held(platform, sid, wait=0):
            pass


def test_the_pusher_records_what_an_unreachable_remote_did_not_get(
    platform: Platform, admin: Identity
) -> None:
    sid = _server(platform, admin)
    body = {"info": "for a peer", "distribution": 3, "published": True, "Attribute": []}
    event = event_svc.add_event(platform, admin, body)
    worker = PushWorker(platform)
    assert worker.due() == [sid]
    assert worker.run_once() == 0  # the run stopped: the remote does not answer
    found = failure_svc.listing(platform, admin, str(sid))
    assert [f["SyncFailure"]["event_uuid"] for f in found] == [event["uuid"]]
    reason = found[0]["SyncFailure"]["reason"]
    assert reason.startswith("not pushed: ") and "127.0.0.1:9" in reason, reason
    assert worker.due() == []  # backing off (and the event waits for its retry time)
