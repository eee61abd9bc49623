"""Composition from plain values: what ``api`` and ``cli`` build the running parts with
(both databases; the memory bus)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from tests.support import site_admin
from threatmesh.bus import topics
from threatmesh.bus.base import BusUnavailable
from threatmesh.privacy.abe import sealing
from threatmesh.services import runtime
from threatmesh.services.events import events
from threatmesh.services.platform import Platform
from threatmesh.services.stream import outbox
from threatmesh.services.trust import Trust
from threatmesh.storage.core import database


@pytest.fixture
def opened(db_url: str) -> Iterator[Platform]:
    """A platform opened from the URL alone, on a migrated database."""
    engine = database.create_engine(db_url)
    database.upgrade(engine)
    engine.dispose()
    trust = Trust(issuer="https://tm.example", rpt_ttl=60)
    platform = runtime.open_platform(
        db_url, base_url="https://tm.example", correlation_cap=5, trust=trust
    )
    yield platform
    platform.engine.dispose()


def test_the_platform_runs_use_cases_on_the_database_it_names(opened: Platform) -> None:
    assert (opened.base_url, opened.correlation_cap, opened.trust.rpt_ttl) == (
        "https://tm.example",
        5,
        60,
    )
    who = site_admin(opened)
    added = events.add_event(opened, who, {"info": "composed"})
    assert events.view_event(opened, who, added["uuid"])["info"] == "composed"


def test_the_key_authority_keeps_master_keys_in_its_directory(
    opened: Platform, tmp_path: Path
) -> None:
    authority = runtime.key_authority(
        tmp_path / "ka", trust_levels={"ORG": 4}, role_aliases={"User": ["analyst"]}
    )
    who = site_admin(opened)  # a site admin of ORG (role "admin")
    private = X25519PrivateKey.generate()
    body = {"x25519_public_key": sealing.public_key_b64(private.public_key())}
    issued = authority.issue(opened, who, body)
    assert "org:ORG" in issued["attributes"] and "trust=4" in issued["attributes"]
    key_file = tmp_path / "ka" / "epoch-1.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_reputation_gives_the_trust_of_organisations_not_configured(
    opened: Platform, tmp_path: Path
) -> None:
    authority = runtime.key_authority(tmp_path / "ka", reputation_of=opened)
    who = site_admin(opened)
    private = X25519PrivateKey.generate()
    body = {"x25519_public_key": sealing.public_key_b64(private.public_key())}
    assert "trust=2" in authority.issue(opened, who, body)["attributes"]  # no evidence yet
    unconfigured = runtime.key_authority(tmp_path / "ka")  # the same master keys
    issued = unconfigured.issue(opened, who, body)
    assert not any(a.startswith("trust=") for a in issued["attributes"])


def test_attachments_live_under_the_data_dir(tmp_path: Path) -> None:
    store = runtime.attachment_store(tmp_path)
    uuid = "5f2c4a1e-0000-4000-8000-000000000001"
    store.put(uuid, b"sample")
    assert (tmp_path / "attachments" / uuid).read_bytes() == b"sample"


def test_the_relay_publishes_the_outbox_until_stopped(opened: Platform) -> None:
    background = runtime.start_background(opened, bus="memory", relay=True)
    try:
        who = site_admin(opened)
        events.add_event(opened, who, {"info": "to the bus"})
        sub = background.bus.subscribe(topics=[topics.EVENT])
        got = sub.fetch(limit=10, timeout=10)
        sub.close()
        assert [d.message.topic for d in got] == [topics.EVENT]
        assert b"to the bus" in got[0].message.payload
    finally:
        background.stop()
    with pytest.raises(BusUnavailable):  # stopping closed the bus
        background.bus.subscribe()


def test_without_the_relay_the_outbox_waits(opened: Platform) -> None:
    background = runtime.start_background(opened, bus="memory", relay=False)
    try:
        assert background.relay is None
        who = site_admin(opened)
        events.add_event(opened, who, {"info": "stays in the outbox"})
        sub = background.bus.subscribe()
        assert sub.fetch(limit=10, timeout=0) == []
        sub.close()
        assert outbox.status(opened).undelivered > 0
    finally:
        background.stop()
