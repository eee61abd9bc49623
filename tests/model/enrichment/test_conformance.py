"""The conformance suite every enrichment module passes (each registered module, built
with options that need no network: a small ASN table, one warninglist, a resolver that
answers from a table as /etc/hosts would).

A module names itself and the types it handles; for any value of those types it answers
an Expansion and never raises; what it adds is a valid MISP attribute (the platform's own
validation) carrying its provenance; it adds nothing for a value it knows nothing of."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threatmesh.sensors.enrichment  # noqa: F401  (registers reverse-dns and asn)
from threatmesh.model.enrichment import modules as _pure  # noqa: F401
from threatmesh.model.enrichment.base import ENRICHERS, Enricher, module_tag
from threatmesh.model.validation.values import normalize_value
from threatmesh.sensors.enrichment.dns import ReverseDns

ASN_TABLE = (
    "8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n2001:4860::\t2001:4860:ffff::\t15169\tUS\tGOOGLE\n"
)
HOSTS = {"192.0.2.53": ("ns1.example.test", ["dns.example.test"], ["192.0.2.53"])}
KNOWN = {
    "memory": ("ip-dst", "192.0.2.1"),
    "asn": ("ip-dst", "8.8.8.8"),
    "warninglists": ("ip-dst", "8.8.8.8"),
    "reverse-dns": ("ip-src", "192.0.2.53"),
}


def _hosts(address: str) -> tuple[str, list[str], list[str]]:
    if address not in HOSTS:
        raise socket.herror(1, "Unknown host")
    return HOSTS[address]


def _builders(tmp: Path) -> dict[str, Callable[[], Enricher]]:
    table = tmp / "ip2asn.tsv"
    table.write_text(ASN_TABLE)
    dns_list = {"lists": "List of known IPv4 public DNS resolvers"}
    return {
        "memory": lambda: ENRICHERS["memory"](
            {"table": "ip-dst=192.0.2.1=>domain:c2.example.test"}
        ),
        "asn": lambda: ENRICHERS["asn"]({"file": str(table)}),
        "warninglists": lambda: ENRICHERS["warninglists"](dns_list),
        "reverse-dns": lambda: ReverseDns(resolve=_hosts),
    }


def test_every_registered_module_is_in_this_suite() -> None:
    assert set(ENRICHERS) == set(KNOWN)


@pytest.fixture(scope="module", params=sorted(KNOWN))
def module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Enricher:
    return _builders(tmp_path_factory.mktemp("enrich"))[request.param]()


def test_it_names_itself_and_its_types(module: Enricher) -> None:
    assert module.name in ENRICHERS and module.handles


def test_what_it_adds_is_valid_and_says_where_it_came_from(module: Enricher) -> None:
    kind, value = KNOWN[module.name]
    expansion = module.expand(kind, value)
    assert expansion, f"{module.name} found nothing for {kind} {value}"
    for attribute in expansion.attributes(module.name, kind, value):
        normalize_value(attribute["type"], attribute["value"])  # raises if MISP would refuse
        assert attribute["comment"].startswith(f"{module.name}: from {kind} {value}")
        assert attribute["Tag"] == [{"name": module_tag(module.name)}]


def test_a_value_it_knows_nothing_of_adds_nothing(module: Enricher) -> None:
    kind = KNOWN[module.name][0]
    assert not module.expand(kind, "198.51.100.77")


_VALUES = st.one_of(
    st.text(max_size=40),
    st.ip_addresses().map(str),
    st.tuples(st.ip_addresses(), st.integers(0, 70000)).map(lambda t: f"{t[0]}|{t[1]}"),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_VALUES, pick=st.integers(0, 100))
def test_it_never_raises_on_any_value_of_its_types(module: Enricher, value: str, pick: int) -> None:
    kinds = sorted(module.handles)
    assert module.expand(kinds[pick % len(kinds)], value) is not None
