"""Taxonomies over the API with PyMISP, as its live suite drives them (SQLite and
PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPTaxonomy, PyMISP
from tests.support import LiveServer


def test_taxonomies_update_index_view_enable(server: LiveServer) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False, timeout=120)
    first = misp.update_taxonomies()
    assert first["name"].startswith("Successfully updated "), first
    again = misp.update_taxonomies()
    assert again["name"] == "All taxonomy libraries are up to date already."
    listed = misp.taxonomies(pythonify=True)
    assert isinstance(listed, list)
    tlp = next(t for t in listed if t.namespace == "tlp")
    assert isinstance(tlp, MISPTaxonomy) and not tlp.enabled
    by_name = misp.get_taxonomy("tlp", pythonify=True)
    assert isinstance(by_name, MISPTaxonomy) and by_name.namespace == "tlp"
    assert misp.enable_taxonomy(tlp)["message"] == "Taxonomy enabled"
    assert misp.enable_taxonomy_tags(tlp)["name"] == "The tag(s) has been saved."
    raw = misp.get_taxonomy(tlp.id)
    assert isinstance(raw, dict)
    red = next(e for e in raw["entries"] if e["tag"] == "tlp:red")
    assert red["existing_tag"]["Tag"]["name"] == "tlp:red"
    counts = next(t for t in misp.taxonomies() if t["Taxonomy"]["namespace"] == "tlp")
    assert counts["current_count"] == counts["total_count"] > 0
    assert misp.disable_taxonomy(tlp)["message"] == "Taxonomy disabled"
    hidden = next(t for t in misp.taxonomies() if t["Taxonomy"]["namespace"] == "tlp")
    assert hidden["current_count"] == 0 and not hidden["Taxonomy"]["enabled"]
    r = misp.set_taxonomy_required(tlp, True)
    assert r["message"] == "Taxonomy toggleRequireded"
    assert misp.get_taxonomy(tlp.id, pythonify=True).required is True


def test_unknown_taxonomy_and_non_admin(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        missing = http.get("/taxonomies/view/no-such-namespace")
        assert missing.status_code == 404
        assert missing.json()["message"] == "Taxonomy not found."
        assert http.post("/taxonomies/enable/999999").status_code == 404
