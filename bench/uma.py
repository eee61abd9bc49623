"""UMA overhead: an event of 100 attributes fetched through the UMA grant, next to the
same event fetched with a plain API key (``events/view``), in the same run.

Three kinds of request are timed, interleaved one by one on one keep-alive
``httpx.Client`` against ``threatmesh serve`` in a child process:

* plain: ``GET /events/view/{id}`` with the consumer's API key (the baseline);
* plain, like for like: ``POST /events/restSearch`` for that one event with
  ``includeCorrelations: 0, includeSightings: 0``, the content the UMA path returns;
* UMA, RPT cached: ``GET /uma/events/{uuid}`` with a valid RPT (what
  ``threatmesh.client.uma.UmaClient`` does until the RPT expires);
* UMA, full grant: the request without RPT (401 + ticket), the token request, and the
  request again with the new RPT: three round trips, what a first access costs.

``events/view`` also computes correlations and sightings, which the UMA path leaves
out, hence the like-for-like baseline; the UMA check itself (verifying the RPT) is
timed on its own too.

It also times the trust work ``events/add`` does in its transaction (the provenance
record's content read and digest, the reputation evidence lookup) for that event and a
10,000-attribute one, in this process on the same database, next to the whole
``events/add`` request.

Run ``python -m bench.uma`` (SQLite) or ``python -m bench.uma --postgres``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import httpx
from bench.common import (
    Indicators,
    auth_headers,
    bench_database,
    db_label,
    init_admin,
    machine,
    percentile,
    serve,
)

from threatmesh.client.uma import GRANT_TYPE, parse_challenge
from threatmesh.privacy.provenance.canonical import sha256_hex
from threatmesh.services.platform import Platform
from threatmesh.services.trust import Trust
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.provenance import log as provenance_log
from threatmesh.storage.provenance import reputation_evidence


def _org_user(http: httpx.Client, admin_key: str, name: str, sector: str) -> str:
    org = http.post(
        "/admin/organisations/add",
        headers=auth_headers(admin_key),
        json={"Organisation": {"name": name, "sector": sector}},
    ).json()
    user = http.post(
        "/admin/users/add",
        headers=auth_headers(admin_key),
        json={
            "User": {
                "email": f"u@{name.lower()}.bench",
                "org_id": org["Organisation"]["id"],
                "role_id": 3,
            }
        },
    ).json()
    return str(user["User"]["authkey"])


def _event(http: httpx.Client, key: str, size: int, seed: int = 7) -> dict[str, str]:
    specs = Indicators(seed).specs(size)
    body = {
        "Event": {
            "info": "UMA bench",
            "distribution": 1,
            "Attribute": [
                {"type": s.type, "category": s.category, "value": s.value} for s in specs
            ],
        }
    }
    start = time.perf_counter()
    r = http.post("/events/add/metadata:1", headers=auth_headers(key), json=body)
    elapsed = time.perf_counter() - start
    event = r.json()["Event"]
    return {"id": event["id"], "uuid": event["uuid"], "seconds": str(elapsed)}


def _grant(http: httpx.Client, key: str, path: str) -> str:
    challenge = parse_challenge(http.get(path).headers["www-authenticate"])
    assert challenge is not None
    r = http.post(
        "/uma/token",
        headers={"Authorization": key},
        data={"grant_type": GRANT_TYPE, "ticket": challenge["ticket"]},
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _timed(fn: Callable[[], httpx.Response]) -> float:
    start = time.perf_counter()
    r = fn()
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
    return elapsed


def measure(postgres: bool, rounds: int, size: int) -> None:
    with bench_database(postgres) as (url, scratch):
        admin_key = init_admin(url, scratch)
        with (
            serve(url, scratch, admin_key) as server,
            httpx.Client(base_url=server.url, timeout=120) as http,
        ):
            producer = _org_user(http, admin_key, "PRODUCER", "government")
            consumer = _org_user(http, admin_key, "CONSUMER", "finance")
            ev = _event(http, producer, size)
            http.post(
                "/uma/policies",
                headers=auth_headers(producer),
                json={"event": ev["uuid"], "scopes": ["read"], "sectors": ["finance"]},
            ).raise_for_status()
            path = f"/uma/events/{ev['uuid']}"
            rpt = _grant(http, consumer, path)
            plain_h = auth_headers(consumer)
            rpt_h = {"Authorization": f"Bearer {rpt}", "Accept": "application/json"}
            samples: dict[str, list[float]] = {"plain": [], "alike": [], "cached": [], "grant": []}
            alike = {"eventid": ev["id"], "includeCorrelations": 0, "includeSightings": 0}
            for i in range(rounds + 10):
                times = {
                    "plain": _timed(lambda: http.get(f"/events/view/{ev['id']}", headers=plain_h)),
                    "alike": _timed(
                        lambda: http.post("/events/restSearch", headers=plain_h, json=alike)
                    ),
                    "cached": _timed(lambda: http.get(path, headers=rpt_h)),
                    "grant": _timed(
                        lambda: http.get(
                            path,
                            headers={"Authorization": f"Bearer {_grant(http, consumer, path)}"},
                        )
                    ),
                }
                if i >= 10:  # warm-up rounds are not counted
                    for k, v in times.items():
                        samples[k].append(v)
            # Added after the timed rounds, so its values do not change events/view's work.
            big = _event(http, producer, 10_000, seed=8)
            label = db_label(create_engine(url))
        _report(label, size, rounds, samples)
        _verify_cost(url, server.url, rpt)
        _provenance_cost(url, {int(e["id"]): float(e["seconds"]) for e in (ev, big)})


def _report(label: str, size: int, rounds: int, samples: dict[str, list[float]]) -> None:
    base = percentile(samples["plain"], 50)
    alike = percentile(samples["alike"], 50)
    print(f"{label}: event of {size} attributes, {rounds} interleaved rounds")
    for name, text in (
        ("plain", "plain API key (events/view)"),
        ("alike", "plain, like for like (restSearch)"),
        ("cached", "UMA, RPT cached"),
        ("grant", "UMA, full grant (3 requests)"),
    ):
        p50, p95 = percentile(samples[name], 50), percentile(samples[name], 95)
        print(
            f"  {text:34s} p50 {p50 * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms  "
            f"ratio to view {p50 / base:5.2f}x, to like-for-like {p50 / alike:5.2f}x"
        )


def _verify_cost(url: str, issuer: str, rpt: str) -> None:
    """What the resource server adds to a request: checking the RPT (in this process)."""
    engine = create_engine(url)
    platform = Platform(engine=engine, trust=Trust(issuer=issuer))
    with engine.connect() as conn:
        service = platform.trust.tokens(conn, platform.now())
    claims = service.verify(rpt, now=int(time.time()))
    runs = []
    for _ in range(200):
        start = time.perf_counter()
        service.verify(rpt, now=int(time.time()))
        runs.append(time.perf_counter() - start)
    engine.dispose()
    print(
        f"  RPT check (ES256 signature, claims; {len(claims.permissions)} permission): "
        f"p50 {percentile(runs, 50) * 1000:.3f} ms"
    )


def _provenance_cost(url: str, event_ids: dict[int, float]) -> None:
    """The in-transaction work events/add does for trust (reading the event's pinned
    content and its digest, the reputation evidence lookup), timed in this process
    (median of 5), next to the whole events/add request of that event."""
    engine = create_engine(url)
    for event_id, request_seconds in event_ids.items():
        parts: dict[str, list[float]] = {"content": [], "digest": [], "evidence": []}
        size = 0
        for _ in range(5):
            with engine.connect() as conn:
                start = time.perf_counter()
                found = provenance_log.event_content(conn, event_id)
                assert found is not None
                t1 = time.perf_counter()
                sha256_hex(found[0], checked=False)
                t2 = time.perf_counter()
                values = provenance_log.live_values(found[0])
                reputation_evidence.reporters(conn, values, found[1])
                t3 = time.perf_counter()
            parts["content"].append(t1 - start)
            parts["digest"].append(t2 - t1)
            parts["evidence"].append(t3 - t2)
            size = len(found[0]["attributes"])
        p50 = {k: percentile(v, 50) for k, v in parts.items()}
        work = sum(p50.values())
        detail = " + ".join(f"{k} {v * 1000:.1f} ms" for k, v in p50.items())
        share = 100 * work / request_seconds
        print(
            f"  trust work in events/add of {size} attributes: {detail} = {work * 1000:.1f} ms"
            f" of a {request_seconds * 1000:.0f} ms request ({share:.0f}%)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--size", type=int, default=100, help="attributes in the event")
    args = parser.parse_args()
    print(machine())
    measure(args.postgres, args.rounds, args.size)


if __name__ == "__main__":
    main()
