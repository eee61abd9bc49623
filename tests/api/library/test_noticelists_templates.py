"""Noticelists and object templates over the API with PyMISP, as its live suite drives
them (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPNoticelist, MISPObject, MISPObjectTemplate, PyMISP
from tests.support import LiveServer


def test_noticelists(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=120)
    assert admin.update_noticelists()["name"].startswith("Successfully updated ")
    assert admin.update_noticelists()["name"] == "All noticelists are up to date already."
    gdpr = next(n for n in admin.noticelists(pythonify=True) if n.name == "gdpr")
    got = admin.get_noticelist(gdpr, pythonify=True)
    assert isinstance(got, MISPNoticelist) and got.name == "gdpr"
    assert got.NoticelistEntry and got.NoticelistEntry[0]["data"]["message"]
    assert admin.enable_noticelist(gdpr)["Noticelist"]["enabled"] is True
    assert admin.disable_noticelist(gdpr)["Noticelist"]["enabled"] is False


def test_object_templates(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=120)
    listed = admin.update_object_templates()
    assert isinstance(listed, list) and listed
    templates = admin.object_templates(pythonify=True)
    file = next(t for t in templates if t.name == "file")
    got = admin.get_object_template(file.uuid, pythonify=True)
    assert isinstance(got, MISPObjectTemplate) and got.name == "file"
    by_id = admin.get_object_template(file.id)
    relations = {e["object_relation"] for e in by_id["ObjectTemplateElement"]}
    assert {"filename", "md5", "sha256"} <= relations
    raw = admin.get_raw_object_template("domain-ip")
    raw["uuid"] = "4"
    mo = MISPObject("domain-ip", misp_objects_template_custom=raw)
    mo.add_attribute("ip", "8.8.8.8")
    assert mo.template_uuid == "4"


def test_unknown_noticelist_and_template(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        assert http.get("/noticelists/view/nope").status_code == 404
        assert http.post("/noticelists/enableNoticelist/4242/true").status_code == 404
        assert http.get("/objectTemplates/view/4242").status_code == 404
        assert http.get("/objectTemplates/view/not-a-ref").status_code == 404
        assert http.get("/objectTemplates/getRaw/no-such-template").status_code == 404
