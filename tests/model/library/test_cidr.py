"""CIDR lookups with MISP's semantics: the cases of MISP's ``app/Test/CidrToolTest.php`` and
the quirks of ``CidrTool::contains`` (widest IPv4 block, last IPv6 group, value blocks)."""

from __future__ import annotations

import pytest

from threatmesh.model.library.cidr import CidrIndex, parse_ip


def test_empty_list() -> None:
    assert CidrIndex([]).contains("1.2.3.4") is None


@pytest.mark.parametrize("entry", ["1.2.3.4/32", "1.2.3.4"])
def test_ipv4_single_address(entry: str) -> None:
    assert CidrIndex([entry]).contains("1.2.3.4") == "1.2.3.4/32"


def test_ipv4_blocks() -> None:
    index = CidrIndex(["10.0.0.0/8", "8.0.0.0/8", "9.0.0.0/8"])
    assert index.contains("8.8.8.8") == "8.0.0.0/8"
    assert index.contains("::1") is None
    assert index.contains("7.1.2.3") is None


def test_ipv6_block() -> None:
    index = CidrIndex(["2001:0db8:1234::/48"])
    assert index.contains("2001:0db8:1234:0000:0000:0000:0000:0000") == "2001:db8:1234::/48"
    assert index.contains("2001:0db8:1234:ffff:ffff:ffff:ffff:ffff") == "2001:db8:1234::/48"
    assert index.contains("2002:0db8:1234:ffff:ffff:ffff:ffff:ffff") is None


def test_ipv4_widest_block_wins() -> None:
    index = CidrIndex(["8.8.8.8", "8.8.8.0/24", "8.0.0.0/8"])
    assert index.contains("8.8.8.8") == "8.0.0.0/8"


def test_ipv4_entry_with_host_bits_never_matches() -> None:
    # MISP stores "8.8.8.1/24" as text and looks up "8.8.8.0/24".
    index = CidrIndex(["8.8.8.1/24", "9.9.9.9/32"])
    assert index.contains("8.8.8.1") is None
    assert index.contains("9.9.9.9") == "9.9.9.9/32"


def test_ipv6_entry_with_host_bits_matches() -> None:
    # The IPv6 comparison masks both sides; the answer shows the entry as written.
    index = CidrIndex(["2001:db8::1/32"])
    assert index.contains("2001:db8:ffff::5") == "2001:db8::1/32"


def test_ipv6_last_group_wins() -> None:
    # Groups are tried in order of first appearance and MISP keeps the last match.
    index = CidrIndex(["2001:db8::/64", "2001:db8::/32"])
    assert index.contains("2001:db8::7") == "2001:db8::/32"
    index = CidrIndex(["2001:db8::/32", "2001:db8::/64"])
    assert index.contains("2001:db8::7") == "2001:db8::/64"


def test_ipv4_mapped_entry_is_printed_as_inet_ntop_does() -> None:
    index = CidrIndex(["::ffff:1.2.3.4"])
    assert index.contains("::ffff:1.2.3.4") == "::ffff:1.2.3.4/128"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1.0.0/16", "10.0.0.0/8"),  # narrower than the list block: inside it
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.0.0.0/7", None),  # wider than the list block
        ("10.0.0.0/0", "10.0.0.0/8"),  # "0" is falsy in PHP: no check
        ("2001:db8::/48", "2001:db8::/32"),
        ("2001:db8::/16", None),
    ],
)
def test_value_written_as_a_block(value: str, expected: str | None) -> None:
    assert CidrIndex(["10.0.0.0/8", "2001:db8::/32"]).contains(value) == expected


@pytest.mark.parametrize(
    "entry", ["300.1.1.1", "1.2.3.4/33", "::1/129", "1.2.3.4/a", "01.2.3.4", "fe80::1%eth0", ""]
)
def test_invalid_entries_are_ignored(entry: str) -> None:
    index = CidrIndex([entry, "5.5.5.5"])
    assert index.contains("5.5.5.5") == "5.5.5.5/32"
    assert index.contains("1.2.3.4") is None


@pytest.mark.parametrize("value", ["example.com", "", "1.2.3", "01.2.3.4", "fe80::1%eth0"])
def test_non_addresses_never_match(value: str) -> None:
    assert CidrIndex(["0.0.0.0/0", "::/0"]).contains(value) is None


def test_whole_spaces() -> None:
    index = CidrIndex(["0.0.0.0/0", "::/0"])
    assert index.contains("203.0.113.9") == "0.0.0.0/0"
    assert index.contains("2001:db8::1") == "::/0"


def test_parse_ip_matches_php_filter() -> None:
    assert parse_ip("8.8.8.8") is not None
    assert parse_ip("2001:db8::1") is not None
    assert parse_ip("08.8.8.8") is None
    assert parse_ip("fe80::1%1") is None
