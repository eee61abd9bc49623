"""Feeds (``feeds/*``), communities (``communities/*``) and ``events/pushEventToZMQ``
with PyMISP, as PyMISP's live suite drives them."""

from __future__ import annotations

import sqlalchemy as sa
from pymisp import MISPEvent, MISPFeed, PyMISP
from tests.support import LiveServer

from threatmesh.storage.stream.outbox import notifications


def test_feeds(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    feeds = admin.feeds(pythonify=True)
    assert [f.name for f in feeds[:2]] == ["CIRCL OSINT Feed", "The Botvrij.eu Data"]
    assert len(feeds) == 84 and not any(f.enabled for f in feeds)
    new = MISPFeed()
    new.name, new.provider, new.url = "TestFeed", "TestFeed - Provider", "http://example.com"
    feed = admin.add_feed(new, pythonify=True)
    assert (feed.name, feed.url, feed.enabled) == ("TestFeed", "http://example.com", False)
    feed.name = "TestFeed - Update"
    assert admin.update_feed(feed, pythonify=True).name == "TestFeed - Update"
    assert admin.delete_feed(feed)["message"] == "Feed deleted."
    assert admin.get_feed(feed)["errors"][0] == 404
    botvrij = admin.get_feed(feeds[1], pythonify=True)
    assert botvrij.url == "https://www.botvrij.eu/data/feed-osint"
    assert admin.enable_feed(botvrij.id, pythonify=True).enabled
    cached = admin.enable_feed_cache(botvrij.id, pythonify=True)
    assert cached.enabled and cached.caching_enabled  # a partial edit keeps the rest
    assert admin.cache_feed(botvrij)["message"] == "Feed caching job initiated."
    assert admin.cache_all_feeds()["message"] == "Feed caching job initiated."
    assert admin.compare_feeds() == []
    csv = next(f for f in feeds if f.name == "blockrules of rules.emergingthreats.net")
    enabled = admin.enable_feed(csv, pythonify=True)
    assert enabled.enabled and enabled.settings == csv.settings == {"csv": {"value": "1"}}
    disabled = admin.disable_feed(csv.id, pythonify=True)
    assert not disabled.enabled and disabled.settings == csv.settings
    refused = admin.add_feed(MISPFeed())
    assert refused["errors"][0] == 400


def test_communities(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    communities = admin.communities(pythonify=True)
    assert communities[0].name.startswith("CIRCL Private Sector Information Sharing Community")
    one = admin.get_community(communities[1], pythonify=True)
    assert one.name == "CIRCL n/g CSIRT information sharing community - aka MISP"
    assert admin.get_community(9999)["errors"][0] == 404


def test_push_event_to_zmq(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    event = MISPEvent()
    event.info = "zmq"
    event.add_attribute("domain", "zmq.example")
    event = admin.add_event(event, pythonify=True)
    answer = admin.push_event_to_ZMQ(event)
    assert answer["message"] == "Event published to ZMQ"
    with server.platform.engine.connect() as conn:
        topics = conn.execute(
            sa.select(notifications.c.topic).where(notifications.c.event_uuid == event.uuid)
        ).scalars()
        assert "misp_json" in set(topics)
    assert admin.push_event_to_ZMQ("00000000-0000-4000-8000-000000000000")["errors"][0] == 404
