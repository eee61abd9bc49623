"""STIX on the live server (SQLite and PostgreSQL), driven by PyMISP unchanged: restSearch
``return_format`` ``stix``/``stix-xml``/``stix2`` and ``upload_stix`` version 1 and 2,
as PyMISP's ``test_search_stix`` and ``test_upload_stix`` use them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pymisp import MISPEvent, PyMISP
from tests.support import LiveServer

from threatmesh.formats import stix

pytestmark = pytest.mark.skipif(not stix.available(), reason="needs the stix extra")

FIXTURES = Path(__file__).resolve().parents[2] / ".cache" / "pymisp-tests" / "tests"
STIX2_UUID = "f90bb8c1-8505-4d74-af34-3dcffec6b6d4"
PATTERN = (
    "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '8.8.8.8']"
)


def _client(server: LiveServer) -> PyMISP:
    return PyMISP(server.url, server.admin_key, ssl=False, timeout=60)


def _event(misp: PyMISP) -> MISPEvent:
    event = MISPEvent()
    event.info = "stix export"
    event.add_attribute("ip-src", "8.8.8.8")
    added = misp.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip("PyMISP's test fixtures are fetched by `make pymisp-fixtures`")
    return path.read_bytes()


def _count(server: LiveServer) -> int:
    with server.platform.read() as conn:
        from sqlalchemy import text

        return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())


def test_event_search_answers_stix_1_and_2(server: LiveServer) -> None:
    misp = _client(server)
    event = _event(misp)
    stix1 = misp.search(return_format="stix", eventid=event.id)
    package = stix1["related_packages"]["related_packages"][0]["package"]
    indicator = package["incidents"][0]["related_indicators"]["indicators"][0]["indicator"]
    assert indicator["observable"]["object"]["properties"]["address_value"]["value"] == "8.8.8.8"
    assert stix1["stix_header"]["title"] == "Export from ADMIN-ORG's MISP"  # the host org
    bundle = misp.search(return_format="stix2", eventid=event.id)
    *_, ip_address, indicator2, _ = bundle["objects"]
    assert ip_address["value"] == "8.8.8.8"
    assert indicator2["pattern"] == PATTERN
    xml = misp.search(return_format="stix-xml", eventid=event.id)
    assert '<AddressObj:Address_Value condition="Equals">8.8.8.8</AddressObj:Address_Value>' in xml


def test_attribute_search_answers_stix(server: LiveServer) -> None:
    misp = _client(server)
    _event(misp)
    bundle = misp.search(controller="attributes", return_format="stix2", value="8.8.8.8")
    assert [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"] == [PATTERN]
    xml = misp.search(controller="attributes", return_format="stix-xml", value="8.8.8.8")
    assert "8.8.8.8</AddressObj:Address_Value>" in xml
    none = misp.search(controller="attributes", return_format="stix2", value="192.0.2.99")
    assert none["type"] == "bundle" and "objects" not in none


def test_upload_stix_1_and_2_create_events(server: LiveServer) -> None:
    """As PyMISP's test_upload_stix: deleting blocklists (MISP's default), so it unblocks."""
    misp = _client(server)
    # A STIX 1 package names no event UUID (misp-stix makes one); a STIX 2 report does.
    for name, version, uuid in (("stix1.xml-utf8", "1", None), ("stix2.json", "2", STIX2_UUID)):
        r = misp.upload_stix(data=_fixture(name), version=version)
        assert r.status_code == 200, r.text
        event = MISPEvent()
        event.load(r.json())
        assert event.uuid == (uuid or event.uuid) and event.info == "Test Stix"
        assert [a.value for a in event.attributes] == ["8.8.8.8"]
        assert not event.published
        stored = misp.get_event(event.id, pythonify=True)
        assert isinstance(stored, MISPEvent) and stored.attributes[0].type == "ip-src"
        assert misp.delete_event(event)["success"]
        assert misp.delete_event_blocklist(event.uuid)["success"]


def test_deleting_blocklists_only_when_enabled(server: LiveServer) -> None:
    """On by default (as MISP): the UUID is refused until its entry goes; off: kept free."""
    misp = _client(server)
    assert misp.get_server_setting("MISP.enableEventBlocklisting")["value"] is True
    blocked = _event(misp)
    misp.delete_event(blocked)
    (entry,) = misp.event_blocklists(pythonify=True)
    assert entry.event_uuid == blocked.uuid and entry.event_info == "stix export"
    assert entry.event_orgc == "ADMIN-ORG" and entry.comment.startswith("Automatically")
    again = MISPEvent()
    again.uuid, again.info = blocked.uuid, "again"
    refused = misp.add_event(again)
    assert refused["errors"][1]["message"] == "Event blocked by event blocklist."
    assert misp.delete_event_blocklist(blocked.uuid)["success"]
    assert misp.add_event(again, pythonify=True).uuid == blocked.uuid
    misp.set_server_setting("MISP.enableEventBlocklisting", False, force=True)
    kept_free = _event(misp)
    misp.delete_event(kept_free)
    assert misp.event_blocklists() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/events/upload_stix/2", b"not json"),
        ("/events/upload_stix/2", b'{"type": "bundle", "objects": [{"type": "indicator"}]}'),
        ("/events/upload_stix/2", b"[]"),
        ("/events/upload_stix", b"<not-stix/>"),
        ("/events/upload_stix/1", b"<unclosed"),
        ("/events/upload_stix", b""),
        ("/events/upload_stix/3", b"{}"),
    ],
)
def test_bad_stix_is_a_400_and_writes_nothing(server: LiveServer, path: str, body: bytes) -> None:
    before = _count(server)
    headers = {"Authorization": server.admin_key, "Accept": "application/json"}
    r = httpx.post(server.url + path, content=body, headers=headers, timeout=60)
    assert r.status_code == 400, r.text
    answer = r.json()
    assert set(answer) == {"name", "message", "url"} and answer["url"] == path
    assert _count(server) == before


def test_without_the_extra_stix_is_a_501(
    sqlite_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stix, "available", lambda: False)
    headers = {"Authorization": sqlite_server.admin_key, "Accept": "application/json"}
    for path, body in (
        ("/events/restSearch", b'{"returnFormat": "stix2"}'),
        ("/attributes/restSearch", b'{"returnFormat": "stix"}'),
        ("/events/upload_stix/2", _fixture("stix2.json")),
    ):
        r = httpx.post(sqlite_server.url + path, content=body, headers=headers, timeout=60)
        assert r.status_code == 501, r.text
        assert "'stix' extra" in r.json()["message"]
