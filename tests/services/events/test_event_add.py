"""``events/add`` pins the content of a new event from its draft, without reading it
back: that content must be exactly what ``provenance_log.event_content`` reads from the
database (history and verification recompute the digest from the database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from tests.support import site_admin
from threatmesh.formats.misp_json import parse_event
from threatmesh.model.errors import InvalidInput
from threatmesh.services.admin import organisations, users
from threatmesh.services.events import events
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.events import writes
from threatmesh.storage.provenance import log as provenance_log
from threatmesh.storage.provenance.tables import provenance_records

World = tuple[Platform, Identity]

ENVELOPE: dict[str, Any] = {
    "v": 1,
    "scheme": "fame-bls12-381",
    "epoch": 2,
    "policy": "org:CERT",
    "abe": "VE1GMQ==",
    "nonce": "AAAAAAAAAAAAAAAA",
    "body": "A" * 24,
}
BLIND = {"key_id": "0b6c2b1e-6a1f-4c55-9d0e-0a3b6f1d2c4e", "tag": "ab" * 32}


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    platform = Platform(engine=create_engine(db_url))
    who = site_admin(platform)
    yield platform, who
    platform.engine.dispose()


def _rich_event() -> dict[str, Any]:
    file_uuid, domain_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    return {
        "info": "rich \u00e9v\u00e9nement \U0001f600",
        "date": "2024-02-29",
        "distribution": 1,
        "published": True,
        "threat_level_id": 1,
        "analysis": "2",
        "Tag": [{"name": "tlp:green"}, {"name": "Zeta"}, {"name": "alpha"}, {"name": "tlp:green"}],
        "Attribute": [
            {"type": "ip-dst|port", "value": "192.0.2.1|443", "comment": "compound",
             "Tag": [{"name": "b"}, {"name": "a", "local": True}, {"name": "b"}]},
            {"type": "filename|sha256", "value": "évil.exe|" + "ab" * 32, "to_ids": 0},
            {"type": "domain", "value": "Deleted.Example", "deleted": True},
            {"type": "ip-src", "value": "198.51.100.0/24", "first_seen": 1700000000,
             "last_seen": "2024-01-02T03:04:05.123456+00:00", "disable_correlation": True},
            {"type": "text", "value": "x" * 5000, "distribution": 0},
            {"type": "ip-dst", "category": "Network activity", "Protected": ENVELOPE},
            {"type": "ip-dst", "category": "Network activity",
             "Protected": ENVELOPE | {"blind_index": BLIND}},
        ],
        "Object": [
            {"name": "file", "uuid": file_uuid, "comment": "an object", "first_seen": 1700000001,
             "Attribute": [
                 {"type": "filename", "object_relation": "filename", "value": "a.exe",
                  "Tag": [{"name": "alpha"}]},
                 {"type": "md5", "object_relation": "md5", "value": "ab" * 16},
             ],
             "ObjectReference": [
                 {"referenced_uuid": domain_uuid, "relationship_type": "drops"},
                 {"referenced_uuid": str(uuid.uuid4()), "deleted": True, "comment": "gone"},
             ]},
            {"name": "domain-ip", "uuid": domain_uuid, "deleted": True, "distribution": 0,
             "Attribute": [{"type": "domain", "object_relation": "domain", "value": "a.example"}]},
        ],
    }  # fmt: skip


def _recorded_digest(platform: Platform, event_uuid: str) -> str:
    with platform.read() as conn:
        q = sa.select(provenance_records.c.payload).where(
            provenance_records.c.subject == event_uuid
        )
        (payload,) = conn.execute(q).scalars().all()
    digest: str = orjson.loads(payload)["content_sha256"]
    return digest


def _check(platform: Platform, who: Identity, body: dict[str, Any]) -> None:
    ev = events.add_event(platform, who, body)
    with platform.read() as conn:
        found = provenance.content_digest(conn, int(ev["id"]))
    assert found is not None
    digest = found[0]
    assert _recorded_digest(platform, ev["uuid"]) == digest


def test_the_pinned_content_of_an_added_event_is_what_the_database_holds(world: World) -> None:
    platform, who = world
    _check(platform, who, _rich_event())
    _check(platform, who, {"info": "empty"})
    _check(platform, who, {"Event": {"info": "wrapped", "Attribute": [
        {"type": "url", "value": "https://example.com/a?b=c"}]}})  # fmt: skip


def test_draft_content_equals_event_content(world: World) -> None:
    platform, who = world
    draft = parse_event(_rich_event(), now=platform.now(), today=platform.today())
    with platform.write() as conn:
        org = who.viewer.org_id
        eid = writes.insert_event(conn, draft, org_id=org, orgc_id=org, user_id=1, locked=False)
        found = provenance_log.event_content(conn, eid)
        assert found is not None
        stored, _ = found
        assert provenance_log.draft_content(draft, stored["orgc"]) == stored


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    str.strip  # blank values and tag names are refused
)
_attribute = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "comment", "other"]), "value": _text},
    optional={
        "comment": _text,
        "to_ids": st.booleans(),
        "deleted": st.booleans(),
        "distribution": st.sampled_from([0, 1, 2, 3, 5]),
        "timestamp": st.integers(1, 2**40),
        "Tag": st.lists(st.fixed_dictionaries({"name": _text}), max_size=3),
    },
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attrs=st.lists(_attribute, max_size=6), tags=st.lists(_text, max_size=4))
def test_any_added_event_records_the_database_digest(
    world: World, attrs: list[dict[str, Any]], tags: list[str]
) -> None:
    platform, who = world
    body = {"info": "h", "Tag": [{"name": t} for t in tags], "Attribute": attrs}
    try:
        parse_event(body, now=platform.now(), today=platform.today())
    except InvalidInput:
        reject()  # what validation refuses writes nothing: not this test's subject
    _check(platform, who, body)


def _same_answer(platform: Platform, who: Identity, body: dict[str, Any], **opts: bool) -> None:
    added = events.add_event(platform, who, body, **opts)
    assert added == events.view_event(platform, who, added["id"], **opts)


def test_the_answer_to_an_add_is_what_a_view_shows(world: World) -> None:
    platform, who = world
    _same_answer(platform, who, _rich_event())
    _same_answer(platform, who, _rich_event(), metadata=True)
    _same_answer(platform, who, {"info": "empty"})
    other = organisations.add_org(platform, who, {"name": "OTHER"})
    user = users.add_user(platform, who, {"email": "u@other.test", "org_id": other["id"]})
    analyst = platform.identify(str(user["User"]["authkey"]))
    assert analyst is not None and not analyst.viewer.site_admin
    shared = {"info": "shared", "distribution": 1, "Attribute": [
        {"type": "ip-dst", "value": "192.0.2.1"}, {"type": "ip-dst", "value": "198.51.100.7"},
        {"type": "domain", "value": "a.example"}]}  # fmt: skip
    _same_answer(platform, analyst, shared)
    again = events.add_event(platform, analyst, shared | {"uuid": str(uuid.uuid4())})
    assert again["RelatedEvent"], "the values correlate with the events added before"
    assert again == events.view_event(platform, analyst, again["id"])
