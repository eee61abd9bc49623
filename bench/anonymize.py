"""Anonymizer throughput: Crypto-PAn against ``yacryptopan``, and full policies on a real event.

* IPv4 and IPv6 addresses/s for threatmesh's Crypto-PAn one address at a time
  (``CryptoPAn.anonymize``) and in batches (``anonymize_many``), next to ``yacryptopan``
  (the reference, pure Python over PyCryptodome) on the same inputs, in the same run. Every
  output is compared with the reference's: a single difference aborts the benchmark.
* attributes/s of ``anonymize_event`` under the shipped policies (``docs/policies``) on
  PyMISP's CIRCL OSINT fixture (370 attributes; ``make pymisp-fixtures`` unpacks it).

Run ``python bench/anonymize.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402
from yacryptopan import CryptoPAn as Reference  # noqa: E402

from threatmesh.privacy.anonymizer import Context, Keys, anonymize_event, parse_policy  # noqa: E402
from threatmesh.privacy.anonymizer.cryptopan import CryptoPAn  # noqa: E402

FIXTURE = ROOT / ".cache" / "pymisp-tests" / "tests" / "reportlab_testfiles" / "long_event.json"
KEY = bytes(range(32))


def addresses(version: int, n: int, seed: int) -> list[str]:
    """``n`` random public-looking addresses (seeded, so runs compare)."""
    rng = random.Random(seed)
    if version == 4:
        return [str(ipaddress.IPv4Address(rng.randint(2**24, 2**32 - 1))) for _ in range(n)]
    return [str(ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(112))) for _ in range(n)]


def rate(fn: Callable[[], Any], n: int, repeat: int) -> tuple[float, Any]:
    """Best items/s over ``repeat`` runs of ``fn`` (which handles ``n`` items), and its output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return n / best, out


def same(a: Sequence[str], b: Sequence[str]) -> bool:
    """Equal as addresses (the reference writes IPv6 uncompressed)."""
    return [ipaddress.ip_address(x) for x in a] == [ipaddress.ip_address(x) for x in b]


def cryptopan_rows(n4: int, n6: int, repeat: int) -> list[tuple[str, float, float, float]]:
    """Per version: reference, one-at-a-time and batched addresses/s."""
    ref, ours = Reference(KEY), CryptoPAn(KEY)
    rows = []
    for version, n in ((4, n4), (6, n6)):
        inputs = addresses(version, n, seed=version)
        ours.anonymize_many(inputs[:10])  # builds the mask tables once, outside the timing
        ref_rate, expected = rate(lambda xs=inputs: [ref.anonymize(a) for a in xs], n, repeat)
        one_rate, one = rate(lambda xs=inputs: [ours.anonymize(a) for a in xs], n, repeat)
        batch_rate, batch = rate(lambda xs=inputs: ours.anonymize_many(xs), n, repeat)
        if not (same(one, expected) and same(batch, expected)):
            raise SystemExit(f"IPv{version}: outputs differ from yacryptopan: not comparable")
        rows.append((f"IPv{version}", ref_rate, one_rate, batch_rate))
    return rows


def policy_rows(repeat: int) -> list[tuple[str, int, float]]:
    """Per shipped policy: attributes/s of ``anonymize_event`` on the CIRCL OSINT event."""
    if not FIXTURE.exists():
        raise SystemExit(f"{FIXTURE} is missing: run `make pymisp-fixtures`")
    event = json.loads(FIXTURE.read_text())["Event"]
    n = len(event["Attribute"]) + sum(len(o["Attribute"]) for o in event.get("Object", []))
    keys = Keys(pseudonym=b"k" * 32, cryptopan=KEY)
    rows = []
    for name in ("strict", "partner"):
        policy = parse_policy((ROOT / "docs" / "policies" / f"{name}.yaml").read_text())
        attrs_per_s, _ = rate(
            lambda p=policy: anonymize_event(event, p, Context(keys, random.SystemRandom())),
            n,
            repeat,
        )
        rows.append((name, n, attrs_per_s))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat")
    args = parser.parse_args()
    n4, n6, repeat = (2_000, 500, 1) if args.quick else (20_000, 5_000, 3)
    print(f"machine: {machine()}")
    print(
        f"\nCrypto-PAn, {n4:,} IPv4 and {n6:,} IPv6 addresses, best of {repeat}; "
        "outputs identical to yacryptopan"
    )
    print(
        "| addresses | yacryptopan /s | threatmesh one at a time /s | ratio "
        "| threatmesh batch /s | ratio (target >= 20x) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, ref, one, batch in cryptopan_rows(n4, n6, repeat):
        print(
            f"| {label} | {ref:,.0f} | {one:,.0f} | {one / ref:.1f}x | {batch:,.0f} "
            f"| **{batch / ref:.1f}x** |"
        )
    print("\nFull policy on PyMISP's CIRCL OSINT fixture (long_event.json)")
    print("| policy | attributes | attributes/s |")
    print("| --- | ---: | ---: |")
    for name, n, per_s in policy_rows(max(repeat, 5)):
        print(f"| {name} | {n} | {per_s:,.0f} |")


if __name__ == "__main__":
    main()
