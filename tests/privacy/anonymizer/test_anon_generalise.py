"""Generalisation: addresses to prefixes, timestamps to a unit, ports to IANA ranges."""

from __future__ import annotations

import random

import pytest

from threatmesh.privacy.anonymizer import TECHNIQUES, Context, Keys
from threatmesh.privacy.anonymizer.technique import Technique

CTX = Context(Keys(pseudonym=b"p" * 32, cryptopan=bytes(32)), random.Random(0))


def _tech(name: str, **params: object) -> Technique:
    cls = TECHNIQUES[name]
    return cls(cls.Params.model_validate(params), CTX)


@pytest.mark.parametrize(
    ("params", "value", "expected"),
    [
        ({"ipv4_prefix": 16}, "10.1.2.3", "10.1.0.0/16"),
        ({"ipv4_prefix": 8}, "10.1.2.0/24", "10.0.0.0/8"),
        ({"ipv4_prefix": 24}, "10.1.0.0/16", "10.1.0.0/16"),  # already coarser
        ({"ipv4_prefix": 32}, "10.1.2.3", "10.1.2.3"),
        ({"ipv6_prefix": 32}, "2001:db8:1234::1", "2001:db8::/32"),
        ({"ipv4_prefix": 16, "with_length": False}, "192.168.7.9", "192.168.0.0"),
    ],
)
def test_generalise_ip(params: dict[str, object], value: str, expected: str) -> None:
    assert _tech("generalise_ip", **params).value(value, "ip") == expected


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [
        ("minute", "1533306058", "1533306000"),
        ("hour", "1533306058", "1533304800"),
        ("day", "1533306058", "1533254400"),
        ("hour", "2021-03-04T05:06:07.123456+00:00", "2021-03-04T05:00:00+00:00"),
        ("day", "2021-03-04T05:06:07+00:00", "2021-03-04T00:00:00+00:00"),
    ],
)
def test_generalise_time(unit: str, value: str, expected: str) -> None:
    assert _tech("generalise_time", unit=unit).value(value, "timestamp") == expected


@pytest.mark.parametrize(
    ("port", "lowest", "label"),
    [
        ("22", "1", "well-known"),
        ("1023", "1", "well-known"),
        ("1024", "1024", "registered"),
        ("8080", "1024", "registered"),
        ("49152", "49152", "dynamic"),
        ("65535", "49152", "dynamic"),
    ],
)
def test_generalise_port(port: str, lowest: str, label: str) -> None:
    assert _tech("generalise_port").value(port, "port") == lowest
    assert _tech("generalise_port", style="label").value(port, "port") == label


def test_cryptopan_keeps_a_networks_length_and_containment() -> None:
    cp = _tech("cryptopan")
    net, inside = cp.value("10.1.0.0/16", "ip"), cp.value("10.1.200.7", "ip")
    assert net is not None and inside is not None and net.endswith("/16")
    assert inside.split(".")[:2] == net.split("/")[0].split(".")[:2]
