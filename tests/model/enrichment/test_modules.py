"""The pure modules' own behaviour: ASN ranges, warninglist tags, the memory table."""

from __future__ import annotations

import ipaddress

from threatmesh.model.enrichment.base import ENRICHERS, Found
from threatmesh.model.enrichment.modules import AsnEnricher, AsnTable

LINES = [
    "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n",
    "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n",
    "garbage line\n",
    "8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n",
    "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE\n",
    "9.9.9.9\t1.1.1.1\t19281\tCH\tQUAD9 (range backwards)\n",
]


def test_the_table_finds_ranges_by_their_bounds_and_skips_what_is_not_routed() -> None:
    table = AsnTable.parse(LINES)
    assert len(table) == 3
    found = table.lookup(ipaddress.ip_address("8.8.8.255"))
    assert found is not None and found.asn == 15169
    assert table.lookup(ipaddress.ip_address("8.8.9.0")) is None
    assert table.lookup(ipaddress.ip_address("1.0.2.1")) is None  # AS 0: not routed
    assert table.lookup(ipaddress.ip_address("0.0.0.1")) is None
    v6 = table.lookup(ipaddress.ip_address("2001:4860:4860::8888"))
    assert v6 is not None and v6.description == "GOOGLE"


def test_an_address_with_a_port_gets_its_as() -> None:
    module = AsnEnricher(AsnTable.parse(LINES))
    expansion = module.expand("ip-dst|port", "1.0.0.1|443")
    assert expansion.found == [Found("AS", "13335", "Network activity", "CLOUDFLARENET, US")]
    assert not module.expand("ip-dst", "not an address")


def test_warninglists_tag_the_hit_and_only_for_their_types() -> None:
    module = ENRICHERS["warninglists"]({"lists": "List of known IPv4 public DNS resolvers"})
    assert module.expand("ip-dst", "8.8.8.8").tags == [
        'threatmesh:warninglist="List of known IPv4 public DNS resolvers"'
    ]
    assert "domain" not in module.handles


def test_the_memory_module_reads_its_table_option() -> None:
    module = ENRICHERS["memory"]({"table": "ip-dst=192.0.2.1=>domain:c2.example.test;x=y=>text:z"})
    assert module.handles == {"ip-dst", "x"}
    assert module.expand("ip-dst", "192.0.2.1").found == [
        Found("domain", "c2.example.test", "Other")
    ]
