"""Attachment data (``attachment``, ``malware-sample``) through PyMISP and raw HTTP."""

from __future__ import annotations

import base64
import io
import uuid

import httpx
from pymisp import MISPAttribute, MISPEvent, MISPObject, PyMISP
from tests.support import LiveServer

PCAP = b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 4


def _client(srv: LiveServer) -> httpx.Client:
    headers = {"Authorization": srv.admin_key, "Accept": "application/json"}
    return httpx.Client(base_url=srv.url, headers=headers, timeout=10)


def test_pymisp_round_trip_on_both_databases(server: LiveServer) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    event = MISPEvent()
    event.info = "attachment round trip"
    event.add_attribute("attachment", "capture.pcap", data=io.BytesIO(PCAP))
    created = misp.add_event(event, pythonify=True)
    obj = MISPObject("ebids-detection", strict=False, standalone=False)
    obj.add_attribute("pcap", value="flow.pcap", type="attachment", data=io.BytesIO(PCAP[:99]))
    obj.add_attribute("ip-src", value="10.99.0.66", type="ip-src")
    misp.add_object(created.id, obj)
    back = misp.get_event(created.uuid, pythonify=True)
    assert back.attributes[0].data.getvalue() == PCAP
    pcap = next(a for a in back.objects[0].attributes if a.type == "attachment")
    assert pcap.data.getvalue() == PCAP[:99]


def test_bad_base64_is_a_400_naming_the_attribute(sqlite_server: LiveServer) -> None:
    body = {"Event": {"info": "x", "Attribute": [
        {"type": "ip-src", "value": "10.0.0.1"},
        {"type": "attachment", "value": "a.bin", "data": "not base64!"},
    ]}}  # fmt: skip
    with _client(sqlite_server) as http:
        res = http.post("/events/add", json=body)
        assert res.status_code == 400
        assert res.json()["message"] == "Event.Attribute[1].data: not valid base64"
        assert http.post("/events/index", json={}).json() == []


def test_existing_attachment_is_never_overwritten(sqlite_server: LiveServer) -> None:
    attr_uuid = str(uuid.uuid4())
    data = base64.b64encode(PCAP).decode()
    other = base64.b64encode(b"evil").decode()
    attr = {"uuid": attr_uuid, "type": "attachment", "value": "a.pcap", "data": data}
    with _client(sqlite_server) as http:
        first = http.post("/events/add", json={"Event": {"info": "a", "Attribute": [attr]}})
        assert first.status_code == 200
        again = {**attr, "data": other}
        res = http.post("/events/add", json={"Event": {"info": "b", "Attribute": [again]}})
        assert res.status_code == 409
        view = http.get(f"/events/view/{first.json()['Event']['id']}").json()
        assert view["Event"]["Attribute"][0]["data"] == data


# --- issue 14: attachments are validated with the rest, and no route drops them -----------

MD5_OF_PCAP = "e3b8c41b8c5e5dfd6cfa1d6f6c1de0c2"  # not checked against the bytes


def _files(srv: LiveServer) -> list[str]:
    """The attachment files on disk."""
    root = srv.settings.data_dir / "attachments"
    return sorted(p.name for p in root.glob("*")) if root.exists() else []


def _data_of(srv: LiveServer, event_ref: str) -> dict[str, bytes]:
    """Attachment content by attribute value, as events/view gives it back. (PyMISP would
    rename a malware-sample whose data is not MISP's encrypted zip.)"""
    with _client(srv) as http:
        event = http.get(f"/events/view/{event_ref}").json()["Event"]
    attrs = [*event["Attribute"], *(a for o in event["Object"] for a in o["Attribute"])]
    return {a["value"]: base64.b64decode(a["data"]) for a in attrs if "data" in a}


def test_attachment_with_a_bad_uuid_is_a_400_naming_it(server: LiveServer) -> None:
    """It was a 500 (ValueError in AttachmentStore._path) on events/add and objects/add."""
    data = base64.b64encode(PCAP).decode()
    body = {"Event": {"info": "bad attachment uuid", "Attribute": [
        {"type": "ip-src", "value": "10.0.0.1"},
        {"type": "attachment", "value": "ok.pcap", "data": data},
        {"type": "attachment", "value": "a.pcap", "data": data, "uuid": "zzz"},
    ]}}  # fmt: skip
    with _client(server) as http:
        res = http.post("/events/add", json=body)
        assert res.status_code == 400, res.text
        assert res.json()["message"] == "Event.Attribute[2].uuid: 'zzz' is not a UUID"
        assert http.post("/events/index", json={}).json() == []
        event_id = http.post("/events/add", json={"info": "holder"}).json()["Event"]["id"]
        obj = {"name": "custom", "Attribute": [{
            "type": "attachment", "object_relation": "pcap", "value": "a.pcap", "data": data,
            "uuid": "zzz",
        }]}  # fmt: skip
        res = http.post(f"/objects/add/{event_id}", json={"Object": obj})
        assert res.status_code == 400, res.text
        assert res.json()["message"] == "Object.Attribute[0].uuid: 'zzz' is not a UUID"
    # ok.pcap was valid, but its event was refused: nothing was written, not even a folder
    assert not (server.settings.data_dir / "attachments").exists()


def test_a_refused_event_writes_no_attachment_file(server: LiveServer) -> None:
    """The attachment is checked with everything else: a bad value after it refuses the
    event before any file is written."""
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    event = MISPEvent()
    event.info = "refused with an attachment"
    event.add_attribute("attachment", "capture.pcap", data=io.BytesIO(PCAP))
    event.add_attribute("ip-dst", "999.1.1.1")
    result = misp.add_event(event)
    assert result["errors"][0] == 400, result
    assert "Event.Attribute[1].value" in result["errors"][1]["message"]
    # Not written and removed again: the store was never touched (not even its folder).
    assert not (server.settings.data_dir / "attachments").exists()


def test_add_attribute_stores_attachment_data(server: LiveServer) -> None:
    """PyMISP's add_attribute (attributes/add) answered 200 and dropped the data."""
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    event = MISPEvent()
    event.info = "attachment by add_attribute"
    created = misp.add_event(event, pythonify=True)
    attribute = MISPAttribute()
    attribute.from_dict(type="attachment", value="later.pcap", data=io.BytesIO(PCAP))
    added = misp.add_attribute(created, attribute, pythonify=True)
    assert added.value == "later.pcap"
    sample = {"type": "malware-sample", "value": f"x.exe|{MD5_OF_PCAP}", "data": _b64(b"MZ")}
    with _client(server) as http:
        assert http.post(f"/attributes/add/{created.id}", json=sample).status_code == 200
    assert _data_of(server, created.uuid) == {"later.pcap": PCAP, f"x.exe|{MD5_OF_PCAP}": b"MZ"}


def test_update_event_stores_new_attachments_and_takes_old_ones_back(server: LiveServer) -> None:
    """events/edit answered 200 and dropped new attachment data. PyMISP sends back the
    data events/view gave it: the same content again is not a conflict."""
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    event = MISPEvent()
    event.info = "attachment by update_event"
    event.add_attribute("attachment", "first.pcap", data=io.BytesIO(PCAP))
    created = misp.add_event(event, pythonify=True)
    fetched = misp.get_event(created.id, pythonify=True)
    fetched.add_attribute("attachment", "second.pcap", data=io.BytesIO(PCAP[:50]))
    obj = MISPObject("ebids-detection", strict=False, standalone=False)
    obj.add_attribute("pcap", value="third.pcap", type="attachment", data=io.BytesIO(b"3"))
    fetched.add_object(obj)
    updated = misp.update_event(fetched, pythonify=True)
    assert {a.value for a in updated.attributes} == {"first.pcap", "second.pcap"}
    expected = {"first.pcap": PCAP, "second.pcap": PCAP[:50], "third.pcap": b"3"}
    assert _data_of(server, created.uuid) == expected
    again = misp.get_event(created.id, pythonify=True)
    again.info = "renamed"
    assert misp.update_event(again, pythonify=True).info == "renamed"
    assert _data_of(server, created.uuid) == expected


def test_attribute_edit_stores_data_once_and_never_replaces_it(server: LiveServer) -> None:
    """attributes/edit answered 200 and dropped the data. Content, once stored, stays:
    other content is a 409 (an edit naming the attribute must not swap its sample)."""
    with _client(server) as http:
        body = {"info": "edit", "Attribute": [{"type": "attachment", "value": "empty.bin"}]}
        event = http.post("/events/add", json=body).json()["Event"]
        attr = event["Attribute"][0]
        res = http.post(f"/attributes/edit/{attr['id']}", json={"data": _b64(b"content")})
        assert res.status_code == 200, res.text
        again = http.post(f"/attributes/edit/{attr['id']}", json={"data": _b64(b"content")})
        assert again.status_code == 200, again.text  # the same content again
        res = http.post(f"/attributes/edit/{attr['id']}", json={"data": _b64(b"other")})
        assert res.status_code == 409, res.text
        assert "not replaced" in res.json()["message"]
    assert _data_of(server, event["uuid"]) == {"empty.bin": b"content"}


def test_data_on_a_type_without_content_is_refused(server: LiveServer) -> None:
    """MISP drops it silently; a 400 says so instead."""
    body = {"info": "x", "Attribute": [{"type": "filename", "value": "a.exe", "data": _b64(b"x")}]}
    with _client(server) as http:
        res = http.post("/events/add", json=body)
        assert res.status_code == 400, res.text
        assert res.json()["message"].startswith("Event.Attribute[0].data: only attachment")


def test_hard_deletes_remove_the_files(server: LiveServer) -> None:
    with _client(server) as http:
        body = {"info": "to delete", "Attribute": [
            {"type": "attachment", "value": "a.bin", "data": _b64(b"a")},
            {"type": "attachment", "value": "b.bin", "data": _b64(b"b")},
        ]}  # fmt: skip
        event = http.post("/events/add", json=body).json()["Event"]
        first, second = (a["uuid"] for a in event["Attribute"])
        assert _files(server) == sorted([first, second])
        assert http.post(f"/attributes/delete/{first}").status_code == 200  # soft: kept
        assert _files(server) == sorted([first, second])
        assert http.post(f"/attributes/delete/{first}/1").status_code == 200
        assert _files(server) == [second]
        assert http.post(f"/events/delete/{event['id']}").status_code == 200
    assert _files(server) == []


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
