"""Where reputation evidence comes from, on SQLite and PostgreSQL: only other
organisations count, once per indicator, and false positives weigh against."""

from __future__ import annotations

from typing import Any

from tests.support import LiveServer
from tests.trust_support import Member, add_event, member


def _rep(who: Member, org: Member) -> dict[str, Any]:
    r = who.http.get(f"/reputation/organisations/{org.org_name}")
    assert r.status_code == 200, r.text
    return dict(r.json()["Reputation"])


def test_evidence_is_independent_and_decays(server: LiveServer) -> None:
    a, b, c = (member(server, n) for n in ("SRC-A", "SRC-B", "SRC-C"))
    server.platform.trust.reputation_cache_seconds = 0
    add_event(a, ["203.0.113.1", "203.0.113.2"], distribution=1)
    add_event(a, ["203.0.113.1"], distribution=1)  # the source repeating itself: nothing
    assert _rep(a, a)["evidence"] == 0 and _rep(a, a)["level"] == 2

    add_event(b, ["203.0.113.1"], distribution=1)
    add_event(b, ["203.0.113.1"], distribution=1)  # B again: still one match
    after_match = _rep(c, a)
    assert after_match["evidence"] == 1 and after_match["level"] == 3

    for _ in range(2):  # C sights the same indicator twice: one piece of evidence
        assert c.http.post("/sightings/add", json={"value": "203.0.113.2"}).status_code == 200
    corroborated = _rep(c, a)
    assert corroborated["evidence"] == 2 and corroborated["score"] > after_match["score"]

    fp = c.http.post("/sightings/add", json={"value": "203.0.113.1", "type": 1})
    assert fp.status_code == 200
    flagged = _rep(c, a)
    assert flagged["score"] < corroborated["score"] and flagged["negative"] > 0

    # A year later (half-life 180 days) the evidence weighs about a quarter as much.
    real_clock = server.platform.clock
    server.platform.clock = lambda: real_clock() + 365 * 86_400
    try:
        later = _rep(c, a)
    finally:
        server.platform.clock = real_clock
    assert abs(later["score"] - 0.5) < abs(flagged["score"] - 0.5)
    assert later["positive"] < flagged["positive"] / 3
    listed = c.http.get("/reputation/organisations").json()
    assert {r["Reputation"]["name"] for r in listed} >= {"SRC-A", "SRC-B", "SRC-C"}
    assert c.http.get("/reputation/organisations/NOPE").status_code == 404
    for m in (a, b, c):
        m.http.close()
