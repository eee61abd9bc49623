"""``events/freeTextImport`` with PyMISP, as its live suite drives it: plain, soft and
strict warninglist handling, and ``returnMetaAttributes`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPEvent, PyMISP
from tests.support import LiveServer

NO_JOBS = {"disable_background_processing": 1}


def test_free_text_import(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=300)
    admin.update_warninglists()
    admin.toggle_warninglist(warninglist_name="%dns resolv%", force_enable=True)
    event = MISPEvent()
    event.info = "free text"
    event.add_attribute("text", "seed")
    event = admin.add_event(event, pythonify=True)
    plain = admin.freetext(
        event, "1.1.1.1 foo@bar.de", adhereToWarninglists=False, distribution=2,
        pythonify=True, kw_params=NO_JOBS,
    )  # fmt: skip
    assert [a.value for a in plain] == ["1.1.1.1", "foo@bar.de"]
    soft = admin.freetext(
        event, "9.9.9.9 foo@bar.com", adhereToWarninglists="soft", distribution=2,
        pythonify=True, kw_params=NO_JOBS,
    )  # fmt: skip
    assert soft[0].value == "9.9.9.9"
    stored = admin.get_event(event, pythonify=True)
    assert stored.attributes[3].value == "9.9.9.9" and not stored.attributes[3].to_ids
    assert stored.attributes[1].to_ids  # 1.1.1.1 was added without the lists
    strict = admin.freetext(event, "8.8.8.8 foo@bar.de", adhereToWarninglists=True)
    assert strict[0]["value"] == "8.8.8.8"
    values = [a.value for a in admin.get_event(event, pythonify=True).attributes]
    assert "8.8.8.8" not in values and values.count("foo@bar.de") == 1
    meta = admin.freetext(event, "1.1.1.1 foo@bar.de", returnMetaAttributes=True)
    assert isinstance(meta[0]["types"], dict) and meta[0]["types"]["ip-dst"] == "ip-dst"


def test_free_text_import_errors(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        r = http.post("/events/freeTextImport/424242", json={"value": "1.2.3.4"})
        assert r.status_code == 404
        event = http.post("/events/add", json={"info": "x", "distribution": 0}).json()["Event"]
        bad = {"value": "1.2.3.4", "adhereToWarninglists": "maybe"}
        r = http.post(f"/events/freeTextImport/{event['id']}", json=bad)
        assert r.status_code == 400
