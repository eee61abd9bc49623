"""Sync storage on SQLite and PostgreSQL: the batched insert writes what
``writes.insert_event`` writes; organisations and sharing groups by UUID; cursors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from threatmesh.formats.misp_json import parse_event
from threatmesh.services.admin import setup
from threatmesh.services.platform import Platform
from threatmesh.services.sync.serve import INSTANCE
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.core.tables import (
    attributes,
    events,
    ip_index,
    ip_network_sizes,
    organisations,
)
from threatmesh.storage.events import reads, writes
from threatmesh.storage.sync import (
    groups as sync_groups,
)
from threatmesh.storage.sync import (
    store as sync_store,
)
from threatmesh.storage.sync import (
    writes as sync_writes,
)

BODY = {
    "info": "batched",
    "distribution": 3,
    "published": True,
    "timestamp": 1_700_000_000,
    "Tag": [{"name": "tlp:green"}],
    "Attribute": [
        {"type": "ip-dst", "value": "203.0.113.0/24", "Tag": [{"name": "kill-chain:c2"}]},
        {"type": "domain|ip", "value": "evil.example|198.51.100.1", "comment": "pair"},
        {"type": "md5", "value": "a" * 32, "distribution": 0, "to_ids": False},
    ],
    "Object": [
        {
            "name": "domain-ip",
            "Attribute": [
                {"type": "domain", "object_relation": "domain", "value": "obj.example"},
                {"type": "ip-dst", "object_relation": "ip", "value": "192.0.2.9"},
            ],
        },
    ],
}
_IDS = {"id", "uuid", "event_id", "object_id", "attribute_id", "org_id", "orgc_id", "user_id"}


@pytest.fixture
def platform(db_url: str) -> Iterator[Platform]:
    p = Platform(engine=create_engine(db_url))
    setup.bootstrap(p, org_name="ORG", email="a@org.test")
    yield p
    p.engine.dispose()


def _shape(value: Any) -> Any:
    """``value`` without ids and UUIDs (the two copies differ only there)."""
    if isinstance(value, dict):
        return {
            k: _shape(v) for k, v in value.items() if k not in _IDS and k != "Org" and k != "Orgc"
        }
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def test_batched_insert_writes_what_insert_event_writes(platform: Platform) -> None:
    one, two, three = (parse_event(BODY, now=1, today=platform.today()) for _ in range(3))
    with platform.write() as conn:
        writes.insert_event(conn, one, org_id=1, orgc_id=1, user_id=1, locked=True)
        ids = sync_writes.insert_events(
            conn, [sync_writes.NewEvent(d, 1, 1, 1) for d in (two, three)]
        )
    opts = platform.read_options(include_correlations=False)
    with platform.read() as conn:
        rows = conn.execute(reads.event_query().order_by(events.c.id)).mappings().all()
        loaded = [_shape(reads.load_event(conn, INSTANCE, r, opts)) for r in rows]
        ip_rows = sa.select(attributes.c.event_id, sa.func.count()).select_from(
            ip_index.join(attributes, attributes.c.id == ip_index.c.attribute_id)
        )
        per_event = dict(conn.execute(ip_rows.group_by(attributes.c.event_id)).all())
    assert len(ids) == 2 and loaded[0] == loaded[1] == loaded[2]
    assert sorted(per_event.values()) == [3, 3, 3]  # ip-dst, domain|ip, object ip


def test_batched_insert_records_network_sizes(platform: Platform) -> None:
    """Without the /24's size, CIDR containment would never probe for it."""
    draft = parse_event(BODY, now=1, today=platform.today())
    with platform.write() as conn:
        sync_writes.insert_events(conn, [sync_writes.NewEvent(draft, 1, 1, 1)])
    with platform.read() as conn:
        sizes = conn.execute(sa.select(ip_network_sizes.c.host_bits)).scalars().all()
    assert sizes == [8]


def test_organisations_are_found_by_uuid_and_names_never_clash(platform: Platform) -> None:
    far = str(uuid.uuid4())
    with platform.write() as conn:
        first = sync_store.ensure_org(conn, far, "ORG", 1)  # "ORG" is taken by another UUID
        again = sync_store.ensure_org(conn, far.upper(), "renamed", 2)
        name = conn.execute(
            sa.select(organisations.c.name).where(organisations.c.id == first)
        ).scalar()
    assert first == again and name == f"ORG ({far[:8]})"


def test_a_sharing_group_survives_the_trip(platform: Platform) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    sent = {
        "uuid": str(uuid.uuid4()),
        "name": "partners",
        "roaming": True,
        "releasability": "x",
        "description": "",
        "Organisation": {"uuid": a, "name": "A"},
        "SharingGroupOrg": [
            {"Organisation": {"uuid": a, "name": "A"}},
            {"Organisation": {"uuid": b, "name": "B"}},
        ],
        "SharingGroupServer": [
            {"server_id": "0", "all_orgs": False, "Server": {"url": "https://a.example"}},
            {"server_id": "3", "all_orgs": True, "Server": {"url": "https://here.example/"}},
        ],
    }
    with platform.write() as conn:
        sg = sync_groups.capture(conn, sent, own_url="https://here.example", now=1)
        assert sync_groups.capture(conn, sent, own_url="https://here.example", now=2) == sg
        back = sync_groups.as_json(conn, [sg], own_url="https://here.example")[str(sg)]
    assert back["uuid"] == sent["uuid"] and back["roaming"] is True
    assert {o["Organisation"]["uuid"] for o in back["SharingGroupOrg"]} == {a, b}
    # The entry naming this instance became server 0; the unknown server was dropped.
    assert [(s["server_id"], s["all_orgs"]) for s in back["SharingGroupServer"]] == [("0", True)]


def test_cursors_never_move_back(platform: Platform) -> None:
    with platform.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO servers (name, url, authkey) VALUES ('r', 'https://r.example', 'k')"
            )
        )
        sid = int(conn.execute(sa.text("SELECT max(id) FROM servers")).scalar_one())
        assert sync_store.cursor(conn, sid, "pull") == 0
        sync_store.set_cursor(conn, sid, "pull", 100, 1)
        sync_store.set_cursor(conn, sid, "pull", 50, 2)
        assert sync_store.cursor(conn, sid, "pull") == 100
        sync_store.log_synced(conn, sid, "pull", [("u", 1)], 1)
        sync_store.log_synced(conn, sid, "pull", [("u", 2)], 2)
        assert sync_store.logged(conn, sid, "pull", ["u", "v"]) == {"u"}
