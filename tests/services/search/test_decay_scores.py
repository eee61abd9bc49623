"""``includeDecayScore`` and ``excludeDecayed`` on ``attributes/restSearch``, driven by
PyMISP on the live server (SQLite and PostgreSQL): MISP's ``attachScoresToAttribute``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymisp import MISPEvent, PyMISP

from tests.support import LiveServer

NIDS = "NIDS Simple Decaying Model"


def _by_value(found: Any) -> dict[str, Any]:
    assert isinstance(found, list), found
    return {a.value: a for a in found}


def _event() -> MISPEvent:
    event = MISPEvent()
    event.info = "decay"
    event.distribution = 0
    event.add_attribute("ip-dst", "192.0.2.1")
    event.add_attribute("text", "no model scores text", to_ids=True)
    old = event.add_attribute("ip-dst", "192.0.2.2")
    old.last_seen = datetime.now(UTC) - timedelta(days=200)  # NIDS lifetime: 120 days
    old.first_seen = old.last_seen - timedelta(days=1)
    return event


def test_decay_scores(server: LiveServer) -> None:
    misp = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    misp.update_decaying_models()
    nids = next(m for m in misp.decaying_models(pythonify=True) if m.name == NIDS)
    event_id = misp.add_event(_event(), pythonify=True).id
    # A disabled model scores nothing.
    found = _by_value(misp.search("attributes", includeDecayScore=True, pythonify=True))
    assert found["192.0.2.1"].decay_score == []
    misp.enable_decaying_model(nids)
    found = _by_value(misp.search("attributes", to_ids=1, include_decay_score=True, pythonify=True))
    [fresh] = found["192.0.2.1"].decay_score
    assert fresh["DecayingModel"] == {"id": str(nids.id), "name": NIDS}
    assert fresh["base_score"] == 80  # the model's default_base_score: no tag weighs in
    assert 70 < fresh["score"] <= 80 and fresh["decayed"] is False
    [old] = found["192.0.2.2"].decay_score
    assert old["score"] == 0 and old["decayed"] is True  # threshold 30
    assert found["no model scores text"].decay_score == []
    # excludeDecayed implies the scores and drops what every model (or none) calls decayed.
    kept = _by_value(misp.search("attributes", exclude_decayed=True, pythonify=True))
    assert set(kept) == {"192.0.2.1"}
    assert kept["192.0.2.1"].decay_score[0]["decayed"] is False
    # Without the flag, no decay_score key at all (MISP adds it only when asked).
    plain = misp.search("attributes", value="192.0.2.1")
    assert "decay_score" not in plain["Attribute"][0]
    _events_scope(misp, event_id)
    misp.disable_decaying_model(nids)
    _named_models(misp, str(nids.id))


def _named_models(misp: PyMISP, nids_id: str) -> None:
    """``decayingModel`` scores with the named models, enabled or not, whatever the
    type; ``modelOverrides`` and ``score`` (the threshold) change the scores; a
    malformed override is a 400."""
    found = _by_value(
        misp.search(
            "attributes",
            include_decay_score=True,
            decayingModel=[nids_id],
            modelOverrides={"lifetime": 1000, "threshold": 10, "color": "ignored"},
            pythonify=True,
        )
    )
    [text] = found["no model scores text"].decay_score
    assert text["DecayingModel"]["id"] == nids_id
    [old] = found["192.0.2.2"].decay_score  # 200 days of a 1000-day lifetime
    assert 30 < old["score"] < 80 and old["decayed"] is False
    strict = misp.search("attributes", include_decay_score=True, decayingModel=nids_id, score=81)
    assert len(strict["Attribute"]) == 3
    assert all(a["decay_score"][0]["decayed"] for a in strict["Attribute"])  # scores <= 80
    bad = misp.search("attributes", includeDecayScore=True, modelOverrides={"lifetime": "x"})
    assert "modelOverrides.lifetime" in str(bad), bad


def _events_scope(misp: PyMISP, event_id: str) -> None:
    """events/restSearch scores the attributes of each event the same way, and the
    sightings read for it stay out of an answer that did not ask for them."""
    plain = misp.search(eventid=event_id)[0]["Event"]
    scored = misp.search(eventid=event_id, include_decay_score=True)[0]["Event"]
    by_value = {a["value"]: a for a in scored["Attribute"]}
    assert by_value["192.0.2.1"]["decay_score"][0]["decayed"] is False
    assert by_value["192.0.2.2"]["decay_score"][0]["decayed"] is True
    assert by_value["no model scores text"]["decay_score"] == []
    for a in scored["Attribute"]:
        del a["decay_score"]
    assert scored == plain
    kept = misp.search(eventid=event_id, exclude_decayed=True)[0]["Event"]
    assert [a["value"] for a in kept["Attribute"]] == ["192.0.2.1"]
