"""Issue 5's latency target: an event of 100 CP-ABE-protected attributes fetched through
the UMA grant and decrypted, next to the same event unprotected, in the same run.

The producer (one organisation) adds two events with the same 100 indicators: one in
clear, one with every attribute protected under ``sector:finance`` (one FAME
encapsulation for the batch, as the client does). The consumer (a finance
organisation) holds its CP-ABE key already (keys are issued once per user and
authority epoch). Interleaved, request by request, on one keep-alive client against
``threatmesh serve`` in a child process:

* clear: ``GET /events/view/{id}`` of the clear event with the consumer's API key,
  parsed (a client fetches an event to use it; both paths parse with orjson);
* protected, full grant: ``GET /uma/events/{uuid}`` without RPT (401 + ticket), the
  token request, the request again with the RPT, then decrypting the 100 attributes;
* protected, RPT cached: the request with a valid RPT, then decrypting.

Run ``python -m bench.protected_fetch`` (SQLite) or ``--postgres``.
"""

from __future__ import annotations

import argparse
import time

import httpx
import orjson
from bench.common import Indicators, auth_headers, bench_database, init_admin, machine, percentile
from bench.common import serve as serve_instance

from threatmesh.client import envelopes
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.client.uma import GRANT_TYPE, parse_challenge

POLICY = "sector:finance"


def _user(admin: ThreatmeshClient, name: str, sector: str) -> str:
    org = admin.request("POST", "/admin/organisations/add", json={"name": name, "sector": sector})
    email = f"u@{name.lower()}.bench"
    user = admin.request(
        "POST", "/admin/users/add", json={"email": email, "org_id": org["Organisation"]["id"]}
    )
    return str(user["User"]["authkey"])


def _events(url: str, producer_key: str, size: int) -> tuple[str, str]:
    """(id of the clear event, uuid of the protected one)."""
    specs = Indicators(7).specs(size)
    attrs = [{"type": s.type, "category": s.category, "value": s.value} for s in specs]
    with ThreatmeshClient(url, producer_key) as producer:
        clear = producer.add_event({"info": "clear", "distribution": 1, "Attribute": attrs})
        sealed = ProtectedClient(producer, Keyring()).protect_event(
            {"info": "protected", "distribution": 1, "Attribute": [dict(a) for a in attrs]}, POLICY
        )
        grant = {"event": sealed["uuid"], "scopes": ["read", "read:protected"]}
        producer.request("POST", "/uma/policies", json=grant | {"sectors": ["finance"]})
    return str(clear["id"]), str(sealed["uuid"])


def _grant(http: httpx.Client, key: str, path: str) -> str:
    challenge = parse_challenge(http.get(path).headers["www-authenticate"])
    assert challenge is not None
    r = http.post("/uma/token", headers={"Authorization": key},
                  data={"grant_type": GRANT_TYPE, "ticket": challenge["ticket"]})  # fmt: skip
    r.raise_for_status()
    return str(r.json()["access_token"])


def measure(postgres: bool, rounds: int, size: int) -> None:
    with bench_database(postgres) as (url, scratch):
        admin_key = init_admin(url, scratch)
        with (
            serve_instance(url, scratch, admin_key) as server,
            ThreatmeshClient(server.url, admin_key) as admin,
            httpx.Client(base_url=server.url, timeout=120) as http,
        ):
            producer = _user(admin, "PRODUCER", "government")
            consumer = _user(admin, "CONSUMER", "finance")
            clear_id, sealed_uuid = _events(server.url, producer, size)
            with ThreatmeshClient(server.url, consumer) as mine:
                reader = ProtectedClient(mine, Keyring())
                path = f"/uma/events/{sealed_uuid}"
                bearer = {"Authorization": f"Bearer {_grant(http, consumer, path)}"}
                first = http.get(path, headers=bearer)
                keys = {e: reader.secret_key(e) for e in envelopes.epochs(first.json()["Event"])}
            rpt = _grant(http, consumer, path)
            samples: dict[str, list[float]] = {"clear": [], "grant": [], "cached": []}

            def protected(token: str) -> float:
                start = time.perf_counter()
                r = http.get(path, headers={"Authorization": f"Bearer {token}"})
                revealed, sealed = envelopes.reveal_event(orjson.loads(r.content)["Event"], keys)
                assert sealed == 0 and len(revealed["Attribute"]) == size
                return time.perf_counter() - start

            for i in range(rounds + 10):
                start = time.perf_counter()
                r = http.get(f"/events/view/{clear_id}", headers=auth_headers(consumer))
                shown = orjson.loads(r.content)["Event"]["Attribute"]
                assert r.status_code == 200 and len(shown) == size
                clear = time.perf_counter() - start
                start = time.perf_counter()
                token = _grant(http, consumer, path)
                grant = time.perf_counter() - start + protected(token)
                cached = protected(rpt)
                if i >= 10:
                    samples["clear"].append(clear)
                    samples["grant"].append(grant)
                    samples["cached"].append(cached)
        base = percentile(samples["clear"], 50)
        print(f"{'PostgreSQL' if postgres else 'SQLite'}: {size} attributes, {rounds} rounds")
        for name, text in (("clear", "clear event, events/view"),
                           ("grant", "protected: UMA full grant + decrypt"),
                           ("cached", "protected: cached RPT + decrypt")):  # fmt: skip
            p50, p95 = percentile(samples[name], 50), percentile(samples[name], 95)
            print(
                f"  {text:38s} p50 {p50 * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms  "
                f"ratio {p50 / base:5.2f}x (target < 2x)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    print(machine())
    measure(args.postgres, args.rounds, args.size)


if __name__ == "__main__":
    main()
