"""Attribute value validation and normalisation (MISP's rules on save)."""

from __future__ import annotations

import ipaddress
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.model.errors import InvalidValue
from threatmesh.model.validation.describe_types import attribute_types, is_compound
from threatmesh.model.validation.values import ip_range, join_value, normalize_value, split_compound

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" * 2
TLSH = "t1" + "a" * 70

VALID = [
    # type, value sent, (value1, value2) stored
    ("ip-src", "192.0.2.1", ("192.0.2.1", "")),
    ("ip-src", " 192.0.2.1\n", ("192.0.2.1", "")),
    ("ip-src", "192.0.2[.]1", ("192.0.2.1", "")),
    ("ip-dst", "10.0.0.0/8", ("10.0.0.0/8", "")),
    ("ip-dst", "10.0.0.5/24", ("10.0.0.5/24", "")),  # MISP keeps host bits
    ("ip-dst", "10.0.0.5/32", ("10.0.0.5", "")),
    ("ip-dst", "10.0.0.0/008", ("10.0.0.0/8", "")),
    ("ip-dst", "0.0.0.0/0", ("0.0.0.0/0", "")),
    ("ip-dst", "2001:DB8:0:0:0:0:0:1", ("2001:db8::1", "")),
    ("ip-dst", "2001:db8:0:1:0:0:0:1", ("2001:db8:0:1::1", "")),
    ("ip-dst", "2001:db8:0:0:1:0:0:1", ("2001:db8::1:0:0:1", "")),
    ("ip-dst", "2001:0db8::/32", ("2001:db8::/32", "")),
    ("ip-dst", "2001:db8::1/128", ("2001:db8::1", "")),
    ("ip-dst", "::", ("::", "")),
    ("ip-dst", "::1", ("::1", "")),
    ("ip-dst", "::FFFF:192.0.2.1", ("::ffff:192.0.2.1", "")),
    ("ip-dst", "::ffff:c000:201", ("::ffff:192.0.2.1", "")),  # as glibc's inet_ntop
    ("ip-dst", "1:2:3:4:5:6:7::", ("1:2:3:4:5:6:7:0", "")),
    ("ip-dst|port", "192.0.2.1|443", ("192.0.2.1", "443")),
    ("ip-dst|port", "192.0.2.1:443", ("192.0.2.1", "443")),
    ("ip-src|port", "192.0.2.1|0443", ("192.0.2.1", "443")),
    ("ip-dst|port", "2001:db8::1|80", ("2001:db8::1", "80")),
    ("ip-dst|port", "[2001:DB8::1]:80", ("2001:db8::1", "80")),
    ("ip-dst|port", "2001:db8::1.80", ("2001:db8::1", "80")),
    ("ip-dst|port", "2001:db8::1 port 80", ("2001:db8::1", "80")),
    ("ip-dst|port", "2001:db8::1#80", ("2001:db8::1", "80")),
    ("ip-dst|port", "2001:db8::1:80", ("2001:db8::1", "80")),  # MISP: the last colon
    ("domain", "Example.COM", ("example.com", "")),
    ("domain", "example.com.", ("example.com", "")),
    ("domain", "example[.]com", ("example.com", "")),
    ("domain", "under_score.example.co.uk", ("under_score.example.co.uk", "")),
    ("domain", "bücher.example", ("xn--bcher-kva.example", "")),
    ("domain", "xn--bcher-kva.example", ("xn--bcher-kva.example", "")),
    ("hostname", "WWW.Example.com", ("www.example.com", "")),
    ("hostname", "www.example.com.", ("www.example.com", "")),
    ("domain|ip", "Example.com|192.0.2.1", ("example.com", "192.0.2.1")),
    ("domain|ip", "example.com.|2001:DB8::1", ("example.com", "2001:db8::1")),
    ("hostname|port", "Mail.Example.com:25", ("mail.example.com", "25")),
    ("hostname|port", "mail.example.com|25", ("mail.example.com", "25")),
    ("url", "https://example.com/Path?Q=1", ("https://example.com/Path?Q=1", "")),
    ("url", "hxxps://evil[.]example/x", ("https://evil.example/x", "")),
    ("url", "example.com/no-scheme", ("example.com/no-scheme", "")),
    ("link", "https://example.com/a?b=c#d", ("https://example.com/a?b=c#d", "")),
    ("link", "http://[2001:db8::1]:8080/", ("http://[2001:db8::1]:8080/", "")),
    ("link", "mailto:someone@example.com", ("mailto:someone@example.com", "")),
    ("email-src", "Someone@Example.com", ("someone@example.com", "")),
    ("email-dst", "someone[at]example[dot]com", ("someone@example.com", "")),
    ("email", "first.last+tag@sub.example.org", ("first.last+tag@sub.example.org", "")),
    ("eppn", "User@Univ.edu", ("User@Univ.edu", "")),  # MISP does not lower-case eppn
    ("md5", MD5.upper(), (MD5, "")),
    ("sha1", SHA1, (SHA1, "")),
    ("sha256", SHA256.upper(), (SHA256, "")),
    ("sha512", SHA512, (SHA512, "")),
    ("sha3-256", SHA256, (SHA256, "")),
    ("imphash", MD5, (MD5, "")),
    ("authentihash", SHA256, (SHA256, "")),
    ("ja3-fingerprint-md5", MD5.upper(), (MD5, "")),
    ("hassh-md5", MD5, (MD5, "")),
    ("hasshserver-md5", MD5, (MD5, "")),
    ("git-commit-id", SHA1.upper(), (SHA1, "")),
    (
        "x509-fingerprint-sha1",
        ":".join(SHA1.upper()[i : i + 2] for i in range(0, 40, 2)),
        (SHA1, ""),
    ),
    ("x509-fingerprint-sha256", SHA256, (SHA256, "")),
    ("x509-fingerprint-md5", MD5, (MD5, "")),
    ("filename|sha256", f"Setup.EXE|{SHA256.upper()}", ("Setup.EXE", SHA256)),
    ("filename|md5", f"a b.exe|{MD5}", ("a b.exe", MD5)),
    ("filename|tlsh", f"x.bin|{TLSH.upper()}", ("x.bin", TLSH)),
    (
        "filename|ssdeep",
        "x.bin|3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
        ("x.bin", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
    ),
    ("malware-sample", f"x.exe|{MD5}", ("x.exe", MD5)),
    ("regkey|value", "HKLM\\Software\\Run|evil.exe", ("HKLM\\Software\\Run", "evil.exe")),
    (
        "ssdeep",
        "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZ",
        None,
    ),
    ("tlsh", TLSH.upper(), (TLSH, "")),
    ("tlsh", "A" * 36, ("a" * 36, "")),
    ("imphash", MD5, (MD5, "")),
    ("impfuzzy", "48:pl2iu5MjLeBsQ3fxRD3c0Qa:pl2n6Lu3fXD3bQ", None),
    ("cdhash", "A" * 40, ("a" * 40, "")),
    ("ssh-fingerprint", "SHA256:" + "A" * 43, None),
    ("ssh-fingerprint", "MD5:" + ":".join(["ab"] * 16), None),
    ("port", "443", ("443", "")),
    ("port", "65535", ("65535", "")),
    ("port", "0080", ("80", "")),
    ("AS", "AS64496", ("64496", "")),
    ("AS", "as64496", ("64496", "")),
    ("AS", "64496", ("64496", "")),
    ("AS", "1.10", ("65546", "")),  # asdot
    ("AS", "4294967295", ("4294967295", "")),
    ("mac-address", "00:1A:2b:3c:4D:5e", ("00:1a:2b:3c:4d:5e", "")),
    ("mac-address", "00-1a-2b-3c-4d-5e", ("00:1a:2b:3c:4d:5e", "")),
    ("mac-address", "001a.2b3c.4d5e", ("00:1a:2b:3c:4d:5e", "")),
    ("mac-eui-64", "00:1a:2b:ff:fe:3c:4d:5e", ("00:1a:2b:ff:fe:3c:4d:5e", "")),
    ("datetime", "2024-01-02T03:04:05Z", ("2024-01-02T03:04:05.000000+0000", "")),
    ("datetime", "2024-01-02T03:04:05.123+02:00", ("2024-01-02T03:04:05.123000+0200", "")),
    ("datetime", "2024-01-02 03:04:05", ("2024-01-02T03:04:05.000000+0000", "")),
    ("datetime", "2024-01-02", ("2024-01-02T00:00:00.000000+0000", "")),
    ("datetime", "2024-01-02T03:04:05-05:30", ("2024-01-02T03:04:05.000000-0530", "")),
    ("datetime", "Tue, 14 Nov 2023 22:13:20 +0100", ("2023-11-14T22:13:20.000000+0100", "")),
    ("datetime", "@1700000000", ("2023-11-14T22:13:20.000000+0000", "")),
    ("float", "1.5", ("1.5", "")),
    ("float", "-3", ("-3", "")),
    ("float", ".5e-3", (".5e-3", "")),
    ("counter", "0", ("0", "")),
    ("counter", "0042", ("42", "")),
    ("size-in-bytes", "1024", ("1024", "")),
    ("integer", "-12", ("-12", "")),
    ("boolean", "True", ("1", "")),
    ("boolean", "0", ("0", "")),
    ("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", ("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "")),
    ("iban", "de89 3704 0044 0532 0130 00", ("DE89370400440532013000", "")),
    ("cc-number", "4111 1111-1111 1111", ("4111111111111111", "")),
    ("phone-number", "0033 (0)1 23 45 67 89", ("+33123456789", "")),
    ("vulnerability", "cve-2021\u201344228", ("CVE-2021-44228", "")),
    ("weakness", "cwe-79", ("CWE-79", "")),
    ("http-method", "post", ("POST", "")),
    ("hex", "deadBEEF", ("DEADBEEF", "")),
    ("cpe", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", None),
    ("uuid", "6F1A9C58-1A1B-4C1D-8E1F-0123456789AB", ("6f1a9c58-1a1b-4c1d-8e1f-0123456789ab", "")),
    ("onion-address", "ExampleExample23.onion", ("exampleexample23.onion", "")),
    ("cortex", '{"a": [1, 2]}', None),
    ("comment", "multi\nline\ncomment", None),
    ("text", "0", None),  # "0" is a value, not empty
    ("anonymised", "MiXeD", ("mixed", "")),
    ("windows-service-name", "Evil Service", None),
]


@pytest.mark.parametrize(("type_", "value", "expected"), VALID)
def test_valid(type_: str, value: str, expected: tuple[str, str] | None) -> None:
    assert normalize_value(type_, value) == (expected or (value, ""))


INVALID = [
    ("ip-src", "999.1.1.1"),
    ("ip-src", "01.2.3.4"),  # leading zeros: octal or decimal?
    ("ip-src", "1.2.3"),
    ("ip-src", "1.2.3.4.5"),
    ("ip-src", "example.com"),
    ("ip-src", "10.0.0.0/33"),
    ("ip-src", "10.0.0.0/"),
    ("ip-src", "10.0.0.0/8/8"),
    ("ip-src", "10.0.0.0/-1"),
    ("ip-dst", "2001:db8::/129"),
    ("ip-dst", "2001:db8::g"),
    ("ip-dst", "fe80::1%eth0"),
    ("ip-dst", "1::2::3"),
    ("ip-dst|port", "192.0.2.1"),
    ("ip-dst|port", "192.0.2.1|0"),
    ("ip-dst|port", "192.0.2.1|65536"),
    ("ip-dst|port", "192.0.2.1|http"),
    ("ip-dst|port", "192.0.2.1|80|90"),
    ("ip-dst|port", "10.0.0.0/8|80"),
    ("ip-src|port", "999.0.2.1:80"),
    ("domain", "example"),
    ("domain", "exa mple.com"),
    ("domain", "example.c"),
    ("domain", "..."),
    ("domain", "http://example.com"),
    ("hostname", "-"),
    ("domain|ip", "example.com"),
    ("domain|ip", "example.com|999.1.1.1"),
    ("domain|ip", "example.com|10.0.0.0/8"),
    ("domain|ip", "example|192.0.2.1"),
    ("hostname|port", "example.com"),
    ("hostname|port", "example.com|99999"),
    ("url", "http://example.com/\nsecond-line"),
    ("link", "example.com"),
    ("link", "javascript:alert(1)"),
    ("link", "http://exa mple.com/"),
    ("link", "http://-bad-.example/"),
    ("email-src", "no-at-sign.example.com"),
    ("email-src", "someone@localhost"),
    ("email-src", "@example.com"),
    ("email-src", "some one@example.com"),
    ("md5", MD5[:-1]),
    ("md5", MD5 + "0"),
    ("md5", "g" * 32),
    ("md5", SHA1),
    ("sha1", MD5),
    ("sha256", SHA256[:-1]),
    ("sha256", SHA256[:-1] + "z"),
    ("sha512", SHA256),
    ("sha512", SHA512 + "a"),
    ("x509-fingerprint-sha1", MD5),
    ("filename|sha256", SHA256),
    ("filename|sha256", f"|{SHA256}"),
    ("filename|sha256", f"a.exe|{MD5}"),
    ("filename|sha256", f"a|b.exe|{SHA256}"),
    ("filename|sha256", f"a\nb.exe|{SHA256}"),
    ("filename|md5", f"a.exe|{MD5[:-1]}x"),
    ("tlsh", "t1" + "a" * 34),
    ("ssdeep", "not-ssdeep"),
    ("impfuzzy", "x:a:b"),
    ("ssh-fingerprint", "SHA256:abc"),
    ("port", "0"),
    ("port", "65536"),
    ("port", "-1"),
    ("port", "http"),
    ("port", "\u0661\u0662"),  # Arabic-Indic digits are not ASCII digits
    ("AS", "AS"),
    ("AS", "AS-1"),
    ("AS", "4294967296"),
    ("AS", "AS 123"),
    ("AS", "1.2.3"),
    ("mac-address", "00:1a:2b:3c:4d"),
    ("mac-address", "00:1a:2b:3c:4d:5e:6f"),
    ("mac-address", "00:1a:2b:3c:4d:zz"),
    ("datetime", "yesterday"),
    ("datetime", "2024-13-01"),
    ("datetime", "2024-01-02T25:00:00"),
    ("datetime", "not a date"),
    ("float", "abc"),
    ("float", "1.2.3"),
    ("float", "0x1A"),
    ("float", "inf"),
    ("counter", "-1"),
    ("counter", "1.5"),
    ("size-in-bytes", "ten"),
    ("integer", "1.0"),
    ("boolean", "maybe"),
    ("btc", "1Boat SLR"),
    ("cc-number", "abcd"),
    ("phone-number", "call me"),
    ("vulnerability", "CVE-21-1"),
    ("weakness", "CWE-"),
    ("http-method", "FETCH"),
    ("hex", "xyz"),
    ("uuid", "not-a-uuid"),
    ("onion-address", "example.onion"),
    ("cortex", "{not json"),
    ("windows-service-name", "a/b"),
    ("filename", "two\nlines"),
    ("comment", ""),
    ("comment", "   \t\n"),
    ("text", "\x01\x02"),
    ("regkey|value", "no separator"),
    ("regkey|value", "a|b|c"),
    ("malware-sample", "x.exe"),
    ("text", "x" * 65536),
    ("text", "\ud800"),
]


@pytest.mark.parametrize(("type_", "value"), INVALID)
def test_invalid(type_: str, value: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalize_value(type_, value)
    assert repr(type_) in info.value.message


def test_error_message_names_type_and_value() -> None:
    with pytest.raises(InvalidValue) as info:
        normalize_value("ip-src", "999.1.1.1")
    assert info.value.message == (
        "'999.1.1.1' is not a valid value for type 'ip-src': "
        "expected an IPv4 or IPv6 address, optionally with a CIDR prefix"
    )
    assert info.value.status == 400


def test_error_message_truncates_long_values() -> None:
    with pytest.raises(InvalidValue) as info:
        normalize_value("md5", "z" * 1000)
    assert "z" * 100 + "\u2026" in info.value.message
    assert "z" * 101 not in info.value.message


def test_unknown_type_raises() -> None:
    with pytest.raises(InvalidValue, match="unknown attribute type 'no-such-type'"):
        normalize_value("no-such-type", "x")


def test_length_limit_is_in_utf8_bytes() -> None:
    assert normalize_value("text", "x" * 65535) == ("x" * 65535, "")
    with pytest.raises(InvalidValue, match="65535 bytes"):
        normalize_value("text", "\u00e9" * 40000)  # 80000 bytes


def test_split_and_join() -> None:
    assert split_compound("filename|md5", f"a.exe|{MD5}") == ("a.exe", MD5)
    assert split_compound("md5", MD5) == (MD5, "")
    assert split_compound("malware-sample", "a|b") == ("a", "b")
    with pytest.raises(InvalidValue):
        split_compound("filename|md5", "a|b|c")
    assert join_value("filename|md5", "a.exe", MD5) == f"a.exe|{MD5}"
    assert join_value("regkey|value", "k", "") == "k|"
    assert join_value("md5", MD5, "") == MD5


def _mapped(address: str) -> bytes:
    return ipaddress.IPv6Address("::ffff:" + address).packed


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("192.0.2.1", _mapped("192.0.2.1"), _mapped("192.0.2.1")),
        ("::ffff:192.0.2.1", _mapped("192.0.2.1"), _mapped("192.0.2.1")),
        ("10.0.0.5/24", _mapped("10.0.0.0"), _mapped("10.0.0.255")),
        ("0.0.0.0/0", _mapped("0.0.0.0"), _mapped("255.255.255.255")),
        (
            "2001:db8::/32",
            ipaddress.IPv6Address("2001:db8::").packed,
            ipaddress.IPv6Address("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff").packed,
        ),
    ],
)
def test_ip_range(value: str, low: bytes, high: bytes) -> None:
    assert ip_range(value) == (low, high)


@pytest.mark.parametrize(
    "value", ["example.com", "", "10.0.0.0/33", "10.0.0.0/x", "fe80::1%eth0", "1.2.3.4/8/8"]
)
def test_ip_range_of_non_ips(value: str) -> None:
    assert ip_range(value) is None


# --- properties ---------------------------------------------------------------------------

ALL_TYPES = sorted(attribute_types())


def _renormalized(type_: str, pair: tuple[str, str]) -> tuple[str, str]:
    return normalize_value(type_, join_value(type_, *pair))


@st.composite
def mixed_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


ips = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    # networks, with and without host bits
    st.tuples(st.ip_addresses(), st.integers(0, 128), st.booleans()).map(
        lambda t: (
            str(ipaddress.ip_network(f"{t[0]}/{t[1] % (t[0].max_prefixlen + 1)}", False))
            if t[2]
            else f"{t[0]}/{t[1] % (t[0].max_prefixlen + 1)}"
        )
    ),
)
LABEL = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=20)
domains = st.builds(
    lambda labels, tld, dot: ".".join([*labels, tld]) + dot,
    st.lists(LABEL, min_size=1, max_size=4),
    st.text(string.ascii_letters, min_size=2, max_size=6),
    st.sampled_from(["", "."]),
)
HEX_TYPES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64, "imphash": 16}


@given(ips, st.sampled_from(["ip-src", "ip-dst"]))
def test_ips_are_accepted_and_idempotent(value: str, type_: str) -> None:
    pair = normalize_value(type_, value)
    assert _renormalized(type_, pair) == pair
    assert ip_range(pair[0]) == ip_range(value)


@given(st.ip_addresses(), st.integers(1, 65535), st.sampled_from(["ip-src|port", "ip-dst|port"]))
def test_ip_port_is_idempotent(address: Address, port: int, type_: str) -> None:
    pair = normalize_value(type_, f"{address}|{port}")
    assert pair == (normalize_value("ip-dst", str(address))[0], str(port))
    assert _renormalized(type_, pair) == pair


@given(st.ip_addresses())
def test_ipv6_text_matches_ipaddress_apart_from_embedded_ipv4(address: Address) -> None:
    value = normalize_value("ip-dst", str(address))[0]
    assert ipaddress.ip_address(value) == address
    if "." not in value:
        assert value == address.compressed


@given(st.sampled_from(sorted(HEX_TYPES)), st.data())
def test_hashes_are_lowercased_and_idempotent(type_: str, data: st.DataObject) -> None:
    digest = data.draw(st.binary(min_size=HEX_TYPES[type_], max_size=HEX_TYPES[type_])).hex()
    value = data.draw(mixed_case(digest))
    pair = normalize_value(type_, value)
    assert pair == (digest, "")
    assert _renormalized(type_, pair) == pair
    with pytest.raises(InvalidValue):
        normalize_value(type_, value[:-1])


@given(domains, st.sampled_from(["domain", "hostname"]), st.data())
def test_domains_are_lowercased_and_idempotent(value: str, type_: str, data: st.DataObject) -> None:
    pair = normalize_value(type_, data.draw(mixed_case(value)))
    assert pair == (value.lower().rstrip("."), "")
    assert _renormalized(type_, pair) == pair


ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)


@settings(max_examples=500)
@given(st.sampled_from(ALL_TYPES), ANY_TEXT)
def test_any_text_is_accepted_idempotently_or_rejected_with_invalid_value(
    type_: str, value: str
) -> None:
    try:
        pair = normalize_value(type_, value)
    except InvalidValue:
        return
    assert isinstance(pair, tuple) and all(isinstance(part, str) for part in pair)
    assert pair[0]
    if not is_compound(type_):
        assert pair[1] == ""
    assert _renormalized(type_, pair) == pair


SANE = {
    "ip-src": "192.0.2.1", "ip-dst": "2001:db8::1", "ip-src|port": "192.0.2.1|80",
    "ip-dst|port": "192.0.2.1|443", "domain": "example.com", "hostname": "www.example.com",
    "domain|ip": "example.com|192.0.2.1", "hostname|port": "example.com|80",
    "link": "https://example.com/", "port": "80", "AS": "AS64496",
    "mac-address": "00:11:22:33:44:55", "mac-eui-64": "00:11:22:ff:fe:33:44:55",
    "onion-address": "exampleexample23.onion", "datetime": "2024-01-02T03:04:05Z",
    "size-in-bytes": "1", "counter": "1", "integer": "1", "float": "1.5", "boolean": "true",
    "cortex": "{}", "uuid": "6f1a9c58-1a1b-4c1d-8e1f-0123456789ab", "http-method": "GET",
    "hex": "ABCD", "vulnerability": "CVE-2021-44228", "weakness": "CWE-79",
    "cc-number": "4111111111111111", "bin": "411111", "iban": "DE89370400440532013000",
    "bic": "DEUTDEFF", "btc": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "dash": "Xabc",
    "xmr": "4abc", "prtn": "+33123", "phone-number": "+33123",
    "whois-registrant-phone": "+33123", "bank-account-nr": "123", "aba-rtn": "123",
    "ssdeep": "3:a:b", "impfuzzy": "3:a:b", "tlsh": TLSH, "telfhash": "a" * 70,
    "cdhash": "a" * 40, "ssh-fingerprint": "MD5:" + MD5, "malware-sample": f"a.exe|{MD5}",
    "regkey|value": "HKLM\\Run|x", "filename|tlsh": f"a|{TLSH}", "filename|ssdeep": "a|3:a:b",
    "filename|impfuzzy": "a|3:a:b", "filename|vhash": "a|x",
}  # fmt: skip
# MISP's HASH_HEX_LENGTH, written out again so the test does not trust the code's table.
HEX_LENGTHS = {
    "md5": 32, "imphash": 32, "dom-hash": 32, "ja3-fingerprint-md5": 32, "hassh-md5": 32,
    "hasshserver-md5": 32, "x509-fingerprint-md5": 32, "sha1": 40, "pehash": 40,
    "git-commit-id": 40, "x509-fingerprint-sha1": 40, "sha224": 56, "sha512/224": 56,
    "sha3-224": 56, "jarm-fingerprint": 62, "sha256": 64, "authentihash": 64,
    "sha512/256": 64, "sha3-256": 64, "x509-fingerprint-sha256": 64, "sha384": 96,
    "sha3-384": 96, "sha512": 128, "sha3-512": 128,
}  # fmt: skip


def _sane_value(type_: str) -> str:
    if type_ in SANE:
        return SANE[type_]
    if type_ in HEX_LENGTHS:
        return "a" * HEX_LENGTHS[type_]
    if type_.startswith("filename|"):
        return f"a.exe|{'a' * HEX_LENGTHS[type_.removeprefix('filename|')]}"
    if "email" in type_ or type_ in ("eppn", "jabber-id"):
        return "someone@example.com"
    return "some value"


@pytest.mark.parametrize("type_", ALL_TYPES)
def test_every_type_accepts_a_sane_value(type_: str) -> None:
    pair = normalize_value(type_, _sane_value(type_))
    assert _renormalized(type_, pair) == pair


@pytest.mark.parametrize("type_", sorted(HEX_LENGTHS))
def test_every_hex_hash_has_misps_length(type_: str) -> None:
    length = HEX_LENGTHS[type_]
    assert normalize_value(type_, "A" * length) == ("a" * length, "")
    for wrong in ("a" * (length - 1), "a" * (length + 1), "g" * length):
        with pytest.raises(InvalidValue):
            normalize_value(type_, wrong)
