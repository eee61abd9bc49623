"""Attachment data (``attachment``, ``malware-sample``) through PyMISP and raw HTTP."""

from __future__ import annotations

import base64
import io
import uuid

import httpx
from pymisp import MISPEvent, MISPObject, PyMISP
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
