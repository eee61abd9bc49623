"""The anonymizer's promises, as Hypothesis properties."""

from __future__ import annotations

import ipaddress
import json
import random
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threatmesh.privacy.anonymizer import Context, Keys, anonymize_event, parse_policy
from threatmesh.privacy.anonymizer import kinds as k
from threatmesh.privacy.anonymizer.kanon import HIERARCHIES, enforce, measured_k, prefix_hierarchy
from threatmesh.privacy.anonymizer.techniques.pseudonymise import Params, pseudonym

POLICIES = Path(__file__).resolve().parents[3] / "docs" / "policies"
STRICT = parse_policy((POLICIES / "strict.yaml").read_text())
KEY = Keys(pseudonym=b"s" * 32, cryptopan=bytes(range(32)))
keys = st.builds(Keys, st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))

# Names from letters that appear in no pseudonym, no hex digit and no JSON key of an
# event, so finding one in the output can only mean it leaked.
word = st.text("jmqxyz", min_size=6, max_size=10)
tld = st.sampled_from(["com", "net", "org", "lu"])
host = st.builds(lambda a, b, t: f"{a}.{b}.{t}", word, word, tld)
domain = st.builds(lambda a, t: f"{a}.{t}", word, tld)
email = st.builds(lambda u, d: f"{u}@{d}", word, domain)
ipv4 = st.integers(2**24, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
ipv6 = st.integers(2**112, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
ip = st.one_of(ipv4, ipv4, ipv6)


@settings(max_examples=100, deadline=None)
@given(
    keys,
    st.sampled_from([k.EMAIL, k.HOSTNAME, k.USERNAME, k.ORG, k.URL]),
    st.sets(st.one_of(word, host, email), min_size=2, max_size=8),
)
def test_pseudonyms_are_consistent_and_reveal_nothing_without_the_key(
    key: Keys, kind: str, values: set[str]
) -> None:
    ctx, again = Context(key, random.Random(0)), Context(key, random.Random(9))
    other = Context(Keys(bytes(31) + b"x", key.cryptopan), random.Random(0))
    params = Params()
    out = {v: pseudonym(ctx, kind, v, params) for v in values}
    assert out == {v: pseudonym(again, kind, v, params) for v in values}  # consistent
    assert len(set(out.values())) == len(values)  # distinct inputs stay distinct
    for v, p in out.items():
        for piece in (w for w in re.split(r"[@.]", v) if len(w) >= 6):
            assert piece not in p  # nothing of the input shows
        assert pseudonym(other, kind, v, params) != p  # another key, another pseudonym


def _attr(type_: str, value: str, comment: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "category": "Network activity",
        "value": value,
        "comment": comment,
        "timestamp": "1533306058",
        **extra,
    }


@st.composite
def events(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """A random event full of identifying values, and the set of those values."""
    ips, hosts, emails, users = (
        draw(st.lists(s, min_size=1, max_size=4)) for s in (ip, host, email, word)
    )
    secrets = {*ips, *hosts, *emails, *users}
    pick = lambda xs: draw(st.sampled_from(xs))  # noqa: E731
    texts = [
        f"{pick(users)} logged in from {pick(ips)} to {pick(hosts)}",
        f"mail from {pick(emails)} about https://{pick(hosts)}/x?id=1",
        f"login: {pick(users)} ({pick(ips)})",
    ]
    attrs = [_attr("ip-dst", a, pick(texts)) for a in ips]
    attrs += [_attr("hostname", h) for h in hosts] + [_attr("email-src", e) for e in emails]
    attrs += [_attr("target-user", u) for u in users]
    attrs.append(_attr("ip-src|port", f"{pick(ips)}|443"))
    attrs.append(_attr("domain|ip", f"{pick(hosts)}|{pick(ips)}"))
    attrs.append(_attr("url", f"http://{pick(hosts)}/{draw(word)}.php"))
    attrs.append(_attr("text", pick(texts)))
    attrs[0]["Sighting"] = [
        {
            "source": pick(hosts),
            "type": "0",
            "date_sighting": str(1533306058 + n),
            "Organisation": {"name": pick(users)},
        }
        for n in range(draw(st.integers(0, 5)))
    ]
    victim = {
        "name": "victim",
        "comment": pick(texts),
        "Attribute": [
            {**_attr("target-machine", pick(hosts)), "object_relation": "node"},
            {**_attr("target-email", pick(emails)), "object_relation": "email"},
            {**_attr("ip-dst", pick(ips)), "object_relation": "ip-address"},
        ],
    }
    event = {
        "info": pick(texts),
        "timestamp": "1533306058",
        "Attribute": attrs,
        "Object": [victim],
        "Orgc": {"name": pick(users)},
    }
    return event, secrets


def _leaks(output: dict[str, Any], secrets: set[str]) -> list[str]:
    dump = json.dumps(output).lower()
    found = []
    for s in secrets:
        pattern = rf"(?<![\w.:]){re.escape(s.lower())}(?![\w:])"
        if re.search(pattern, dump):
            found.append(s)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(), keys)
def test_strict_policy_leaks_no_address_email_host_or_user(
    case: tuple[dict[str, Any], set[str]], key: Keys
) -> None:
    event, secrets = case
    out, report = anonymize_event(event, STRICT, Context(key, random.Random(1)))
    assert _leaks(out, secrets) == []
    assert report.changes
    assert _leaks(event, secrets)  # the input is untouched and did carry them


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "zip": st.sampled_from(["1000", "1001", "1010", "1100", "2000"]),
                "when": st.integers(1_500_000_000, 1_600_000_000).map(str),
                "ip": ipv4,
                "diagnosis": st.sampled_from(["a", "b", "c"]),
            }
        ),
        max_size=30,
    ),
    st.integers(1, 6),
    st.sampled_from([0.0, 0.1, 0.5]),
)
def test_k_reported_is_k_measured(rows: list[dict[str, str]], k_: int, share: float) -> None:
    qis = {"zip": prefix_hierarchy([3, 2, 1]), "when": HIERARCHIES["time"], "ip": HIERARCHIES["ip"]}
    done = enforce(rows, qis, k=k_, max_suppression=share)
    assert done.k == measured_k(done.rows, list(qis))
    assert done.k is None or done.k >= k_
    assert done.suppressed == len(rows) - len(done.rows)
    assert done.suppressed <= int(share * len(rows)) or done.rows == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_k_reported_for_sightings_is_k_of_the_output(case: tuple[dict[str, Any], set[str]]) -> None:
    out, report = anonymize_event(case[0], STRICT, Context(KEY, random.Random(1)))
    sightings = [s for a in out["Attribute"] for s in a.get("Sighting", [])]
    rows = [
        {
            "source": s["source"],
            "org": s["Organisation"]["name"],
            "date_sighting": s["date_sighting"],
        }
        for s in sightings
    ]
    (table,) = [t for t in report.tables if t.path == "Event.Sighting"] or [None]
    if table is None:
        assert not case[0]["Attribute"][0]["Sighting"]
        return
    assert table.k == measured_k(rows, ["source", "org", "date_sighting"])
