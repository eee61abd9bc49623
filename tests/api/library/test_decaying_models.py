"""Decaying models over the API with PyMISP: update, index, enable, disable (SQLite and
PostgreSQL)."""

from __future__ import annotations

import httpx
from pymisp import MISPDecayingModel, PyMISP
from tests.support import LiveServer

NIDS = "NIDS Simple Decaying Model"


def test_decaying_models(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=120)
    r = admin.update_decaying_models()
    assert r["success"] and r["message"] == "Default decaying models updated"
    models = admin.decaying_models(pythonify=True)
    nids = next(m for m in models if m.name == NIDS)
    assert isinstance(nids, MISPDecayingModel) and not nids.enabled
    assert nids.parameters["lifetime"] > 0
    r = admin.enable_decaying_model(nids)
    assert r["message"] == "Decaying model enabled"
    assert r["data"]["DecayingModel"]["enabled"] is True
    assert admin.disable_decaying_model(nids)["data"]["DecayingModel"]["enabled"] is False
    admin.update_decaying_models()
    assert len(admin.decaying_models()) == len(models)  # nothing new: nothing added


def test_unknown_decaying_model(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": server.admin_key}) as http:
        assert http.get("/decayingModel/view/424242").status_code == 404
        assert http.post("/decayingModel/enable/424242").status_code == 404
