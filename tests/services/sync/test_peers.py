"""What MISP peers expect of sync, through PyMISP on two live instances (issue 16,
point 14): pushing or pulling one event, "this community" events served to a
pulling instance (and the stricter option), and the sync configuration exchange
(``get_sync_config`` / ``import_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymisp import MISPEvent

from tests.services.sync.federation import Pair, pair
from tests.services.sync.test_publish_push import misp_event
from tests.support import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """A pushes to B, B pulls from A; no background pusher (every run is asked for)."""
    with ExitStack() as stack:
        urls = []
        for name in ("da", "db"):
            (tmp_path / name).mkdir()
            urls.append(stack.enter_context(database_url(str(request.param), tmp_path / name)))
        yield stack.enter_context(pair((urls[0], urls[1]), tmp_path))


def _published(two: Pair, distribution: int, value: str) -> MISPEvent:
    misp = two.a.pymisp()
    event = misp.add_event(misp_event(distribution, value), pythonify=True)
    assert isinstance(event, MISPEvent), event
    misp.publish(event)
    return event


def test_server_push_of_one_event(two: Pair) -> None:
    """PyMISP's ``server_push(server, event)``: that event only, by UUID or by id."""
    misp = two.a.pymisp()
    first = _published(two, 3, "first.example")
    second = _published(two, 3, "second.example")
    done = misp.server_push(two.a_to_b, first)
    assert (done["added"], done["listed"]) == (1, 1), done
    assert done["message"].startswith("Push completed. 1 events pushed"), done
    assert two.b.event(first.uuid) is not None and two.b.event(second.uuid) is None
    assert misp.server_push(two.a_to_b, second.id)["added"] == 1
    assert two.b.event(second.uuid) is not None
    # Sent once: the next run finds nothing new to send.
    assert misp.server_push(two.a_to_b)["added"] == 0


def test_server_push_of_an_event_that_may_not_leave(two: Pair) -> None:
    misp = two.a.pymisp()
    draft = misp.add_event(misp_event(3, "draft.example"), pythonify=True)
    own = _published(two, 0, "own.example")
    http = two.a.http
    r = http.post(f"/servers/push/{two.a_to_b}/{draft.id}")
    assert r.status_code == 400 and "only published events" in r.json()["message"], r.text
    r = http.post(f"/servers/push/{two.a_to_b}/{own.uuid}")
    assert r.status_code == 400 and "your organisation only" in r.json()["message"], r.text
    r = http.post(f"/servers/push/{two.a_to_b}/99999")
    assert r.status_code == 404 and r.json()["message"] == "Invalid event.", r.text
    r = http.post(f"/servers/push/{two.a_to_b}/sideways")
    assert r.status_code == 400 and "technique" in r.json()["message"], r.text
    assert two.b.event(draft.uuid) is None and two.b.event(own.uuid) is None


def test_server_pull_of_one_event(two: Pair) -> None:
    wanted = _published(two, 3, "wanted.example")
    other = _published(two, 3, "other.example")
    misp = two.b.pymisp()
    done = misp.server_pull(two.b_from_a, wanted.uuid)
    assert done["added"] == 1, done
    assert two.b.event(wanted.uuid) is not None and two.b.event(other.uuid) is None
    r = two.b.http.post(f"/servers/pull/{two.b_from_a}/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404, r.text


def _as_sync_user(two: Pair, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": two.b_key_on_a}
    return two.a.http.request(method, path, json=body, headers=headers)


def test_community_events_are_served_to_a_pulling_instance(two: Pair) -> None:
    """MISP serves a sync user what any user of the community sees, distribution 1
    included; the puller keeps it as "your organisation only"."""
    community = _published(two, 1, "community.example")
    listed = _as_sync_user(two, "POST", "/events/index", {"minimal": 1, "published": 1})
    assert community.uuid in {e["uuid"] for e in listed.json()}
    pulled = two.b.pymisp().server_pull(two.b_from_a)
    assert pulled["added"] == 1, pulled
    on_b = two.b.pymisp().get_event(community.uuid, pythonify=True)
    assert isinstance(on_b, MISPEvent), on_b
    assert on_b.distribution == 0 and on_b.locked
    assert [a.value for a in on_b.attributes] == ["community.example"]
    # ... but never pushed: distribution 1 stays in the community it was made for.
    r = two.a.http.post(f"/servers/push/{two.a_to_b}/{community.id}")
    assert r.status_code == 400 and "this community only" in r.json()["message"], r.text


def test_the_strict_option_keeps_community_events_home(two: Pair) -> None:
    two.a.srv.platform.sync_serve_community = False  # THREATMESH_SYNC_SERVE_COMMUNITY=false
    community = _published(two, 1, "home.example")
    wide = _published(two, 3, "wide.example")
    listed = _as_sync_user(two, "POST", "/events/index", {"minimal": 1, "published": 1})
    assert {e["uuid"] for e in listed.json()} == {wide.uuid}
    assert _as_sync_user(two, "GET", f"/events/view/{community.uuid}").status_code == 404
    pulled = two.b.pymisp().server_pull(two.b_from_a)
    assert pulled["added"] == 1, pulled
    assert two.b.event(community.uuid) is None and two.b.event(wide.uuid) is not None


def test_sync_configuration_exchange(two: Pair) -> None:
    """B's sync user for ORG-A asks B for the configuration (``get_sync_config``), A's
    admin imports it (``import_server``): a working connection, push and pull off,
    naming B's host organisation; with push switched on it pushes."""
    key = two.a_key_on_b
    config = two.b.pymisp(key).get_sync_config(pythonify=True)
    assert config.url == two.b.url and config.authkey != key
    assert config.Organisation["uuid"] == two.b.org_uuid
    misp = two.a.pymisp()
    server = misp.import_server(config, pythonify=True)
    assert (server.push, server.pull, server.url) == (False, False, two.b.url)
    tested = misp.test_server(server)
    assert tested["status"] == 1 and tested["perm_sync"] is True, tested
    listed = [s for s in misp.servers() if s["Server"]["id"] == str(server.id)]
    assert listed[0]["RemoteOrg"]["uuid"] == two.b.org_uuid
    misp.update_server({"push": True}, server.id)
    event = _published(two, 3, "imported.example")
    assert misp.server_push(server, event)["added"] == 1
    assert two.b.event(event.uuid) is not None
    # A site admin cannot hand out a configuration (MISP's rule): it is for sync users.
    r = two.b.http.get("/servers/createSync")
    assert r.status_code == 403 and "Site admin" in r.json()["message"], r.text
