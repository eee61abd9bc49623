"""CP-ABE costs: FAME against a minimal BSW07 baseline, and fetching a protected event.

Part 1, in this process: for AND policies of n = 2..20 attributes (a key holding exactly
those n), the median CPU time of key generation, encryption (encapsulation) and decryption
(decapsulation) of this project's FAME, next to BSW07 (Bethencourt, Sahai, Waters,
S&P 2007) written here in its minimal form on the same pymcl group, for reference only:
asymmetric placement (ciphertext shares in G1, attribute hashes in G2), an n-of-n
threshold tree, decryption with 2n + 1 pairings.

Part 2, through ``threatmesh serve`` (a child process, SQLite): latency of
``events/view`` of an event of 100 attributes in clear, next to the same 100 attributes
protected (one encapsulation for the batch) fetched and decrypted by an authorised
analyst, and protected one encapsulation per attribute. The UMA grant is not included
(another branch adds it).

Run ``python -m bench.abe`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from bench.common import bench_database, init_admin, machine, percentile, serve

from threatmesh.client.envelopes import protect_attribute, protect_attributes, reveal_event
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.privacy.abe import fame
from threatmesh.privacy.abe.group import (
    G1,
    G2,
    GT,
    ORDER,
    Fr,
    g1,
    g2,
    pairing,
    random_scalar,
    scalar,
)

SIZES = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
POLICY = "(sector:finance or org:CERT) and role:analyst"

# ---------------------------------------------------------------------------
# Minimal BSW07 on pymcl (the baseline; not used by threatmesh)


@dataclass
class BswPublic:
    h: G1  # g1^beta
    egg_alpha: GT


@dataclass
class BswMaster:
    beta: Fr
    g2_alpha: G2


def _h2(attr: str) -> G2:
    return G2.hash(b"bench/bsw07/" + attr.encode())


def bsw_setup() -> tuple[BswPublic, BswMaster]:
    alpha, beta = random_scalar(), random_scalar()
    return BswPublic(g1 * beta, pairing(g1, g2) ** alpha), BswMaster(beta, g2 * alpha)


def bsw_keygen(mk: BswMaster, attrs: list[str]) -> tuple[G2, dict[str, tuple[G2, G1]]]:
    r = random_scalar()
    d = (mk.g2_alpha + g2 * r) * ~mk.beta
    g2r = g2 * r
    comps = {}
    for a in attrs:
        rj = random_scalar()
        comps[a] = (g2r + _h2(a) * rj, g1 * rj)
    return d, comps


def bsw_encrypt(pk: BswPublic, attrs: list[str]) -> tuple[G1, list[tuple[G1, G2]], GT]:
    """An n-of-n gate: shares q(i), i = 1..n, of a degree n-1 polynomial with q(0) = s."""
    s = random_scalar()
    coeffs = [s] + [random_scalar() for _ in attrs[1:]]
    shares = []
    for i, a in enumerate(attrs, start=1):
        q = coeffs[-1]
        for c in reversed(coeffs[:-1]):
            q = q * scalar(i) + c
        shares.append((g1 * q, _h2(a) * q))
    return pk.h * s, shares, pk.egg_alpha**s


def bsw_decrypt(
    key: tuple[G2, dict[str, tuple[G2, G1]]],
    ct: tuple[G1, list[tuple[G1, G2]], GT],
    attrs: list[str],
) -> GT:
    d, comps = key
    c, shares, _ = ct
    n = len(attrs)
    a = GT()
    for i, attr in enumerate(attrs, start=1):
        lam = 1
        for j in range(1, n + 1):
            if j != i:
                lam = lam * j * pow(j - i, -1, ORDER) % ORDER
        dj, dpj = comps[attr]
        cy, cpy = shares[i - 1]
        # The Lagrange coefficient goes on the G1 side (cheaper than a power in GT).
        lam_s = scalar(lam)
        a = a * pairing(cy * lam_s, dj) / pairing(dpj * lam_s, cpy)
    return pairing(c, d) / a  # = e(g,g)^(alpha s): the mask of the message


# ---------------------------------------------------------------------------
# Part 1


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    """Median CPU time of ``fn`` in ms: the process's CPU clock, not the wall clock, so
    that other work on a shared machine does not count (all of this is one thread)."""
    samples = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        samples.append((time.process_time() - t0) * 1000)
    return statistics.median(samples)


def _row(
    n: int,
    reps: int,
    fame_keys: tuple[fame.PublicKey, fame.MasterKey],
    bsw_keys: tuple[BswPublic, BswMaster],
) -> list[float]:
    """Median keygen, encrypt, decrypt of FAME then BSW07 for an n-attribute AND."""
    (pk, msk), (bpk, bmk) = fame_keys, bsw_keys
    attrs = [f"attr{i}:x" for i in range(n)]
    policy = " and ".join(attrs)
    sk = fame.keygen(msk, attrs)
    ct, key = fame.encapsulate(pk, policy)
    assert fame.decapsulate(sk, ct) == key
    bkey = bsw_keygen(bmk, attrs)
    bct = bsw_encrypt(bpk, attrs)
    assert bsw_decrypt(bkey, bct, attrs) == bct[2]
    return [
        _median_ms(lambda: fame.keygen(msk, attrs), reps),
        _median_ms(lambda: fame.encapsulate(pk, policy), reps),
        _median_ms(lambda: fame.decapsulate(sk, ct), reps),
        _median_ms(lambda: bsw_keygen(bmk, attrs), reps),
        _median_ms(lambda: bsw_encrypt(bpk, attrs), reps),
        _median_ms(lambda: bsw_decrypt(bkey, bct, attrs), reps),
    ]


def primitives(reps: int) -> None:
    fame_keys, bsw_keys = fame.setup(1), bsw_setup()
    print(
        "| attributes | FAME keygen | FAME encrypt | FAME decrypt | BSW07 keygen | "
        "BSW07 encrypt | BSW07 decrypt | decrypt BSW07 / FAME |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in SIZES:
        row = _row(n, reps, fame_keys, bsw_keys)
        cells = " | ".join(f"{x:.1f} ms" for x in row)
        print(f"| {n} | {cells} | {row[5] / row[2]:.1f}x |", flush=True)


# ---------------------------------------------------------------------------
# Part 2


def _attributes(n: int) -> list[dict[str, object]]:
    return [
        {"type": "ip-dst", "value": f"198.51.{i // 250}.{i % 250 + 1}", "to_ids": True}
        for i in range(n)
    ]


def _setup_reader(url: str, admin_key: str) -> str:
    with httpx.Client(base_url=url, headers={"Authorization": admin_key}) as http:
        org = http.post("/admin/organisations/add", json={"name": "BANK", "sector": "finance"})
        user = http.post(
            "/admin/users/add",
            json={"email": "a@bank.test", "org_id": org.json()["Organisation"]["id"], "role_id": 3},
        )
        return str(user.json()["User"]["authkey"])


def fetch(requests: int, size: int) -> None:
    import os

    os.environ["THREATMESH_ABE_ROLE_ATTRIBUTES"] = json.dumps({"User": ["analyst"]})
    with bench_database(False) as (db_url, scratch):
        key = init_admin(db_url, scratch)
        with serve(db_url, scratch, key) as server:
            producer = ProtectedClient(ThreatmeshClient(server.url, key), Keyring())
            reader = ProtectedClient(
                ThreatmeshClient(server.url, _setup_reader(server.url, key)), Keyring()
            )
            pk = producer.public_key()
            clear = producer.client.add_event(
                {"info": "clear", "distribution": 3, "Attribute": _attributes(size)}
            )
            batch = producer.client.add_event(
                {
                    "info": "batch",
                    "distribution": 3,
                    "Attribute": protect_attributes(_attributes(size), POLICY, pk),
                }
            )
            single = producer.client.add_event(
                {
                    "info": "single",
                    "distribution": 3,
                    "Attribute": [protect_attribute(a, POLICY, pk) for a in _attributes(size)],
                }
            )
            sk = reader.secret_key(pk.epoch)
            keys = {pk.epoch: sk}

            def view_clear() -> object:
                return reader.client.get_event(clear["id"])

            def view_batch() -> object:
                out, sealed = reveal_event(reader.client.get_event(batch["id"]), keys)
                assert sealed == 0
                return out

            def view_single() -> object:
                out, sealed = reveal_event(reader.client.get_event(single["id"]), keys)
                assert sealed == 0
                return out

            kinds = {
                "clear": view_clear,
                "protected, one encapsulation": view_batch,
                "protected, one per attribute": view_single,
            }
            samples: dict[str, list[float]] = {k: [] for k in kinds}
            for i in range(requests + 5):
                for name, fn in kinds.items():
                    if name.endswith("per attribute") and i % 5:
                        continue  # 100 decapsulations each: sample it less often
                    t0 = time.perf_counter()
                    fn()
                    if i >= 5:
                        samples[name].append((time.perf_counter() - t0) * 1000)
            base = percentile(samples["clear"], 50)
            print(f"\nevents/view of {size} attributes, then decryption by an authorised analyst:")
            print("| event | p50 | p95 | p50 / clear |")
            print("| --- | ---: | ---: | ---: |")
            for name, values in samples.items():
                p50, p95 = percentile(values, 50), percentile(values, 95)
                print(f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {p50 / base:.2f}x |")
            for c in (producer.client, reader.client):
                c.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=15, help="repetitions per primitive")
    parser.add_argument("--requests", type=int, default=60, help="timed event fetches")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 reps, 10 fetches")
    args = parser.parse_args()
    reps, requests = (3, 10) if args.quick else (args.reps, args.requests)
    print(machine())
    primitives(reps)
    fetch(requests, 100)


if __name__ == "__main__":
    main()
