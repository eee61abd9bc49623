"""The value rules against MISP's: the cases of PyMISP's AttributeValidationTool tests
(``tests/test_attributevalidationtool.py``, PyMISP 2.5, a port of MISP's
``app/Lib/Tools/AttributeValidationTool.php``) and MISP's ``modifyBeforeValidation``.

PyMISP's tests call ``validate`` on a value as sent. MISP's server, like
:func:`normalize_value`, runs ``modifyBeforeValidation`` first, so a value that step
repairs (``get`` -> ``GET``) is accepted: those cases are in ``REPAIRED`` with what is
stored. Where PyMISP's port is stricter than MISP's own rule, MISP's rule wins
(``MISP_IS_LOOSER``): refusing what a MISP server stores would refuse its events on sync.
"""

from __future__ import annotations

import pytest

from threatmesh.model.errors import InvalidValue
from threatmesh.model.validation.values import join_value, normalize_value

MD5 = "0cc175b9c0f1b6a831c399e269772661"
SHA1 = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
IPV6 = "1234:0fd2:5621:0001:0089:0000:0000:4500"
IPV6_SHORT = "1234:fd2:5621:1:89::4500"
SSDEEP = (
    "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"
)
TLSH = "b2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc"
TLSH_T1 = "t1fdd4e000b6a1c034f1f612f849b6a3a4b53f7ea1677481cf12d916ea4a79af1ed31317"
ONION_V3 = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"  # 56 letters

# modifyBeforeValidation: (type, sent, stored as MISP shows it).
NORMALISED = [
    ("AS", "AS123", "123"),
    ("AS", "1.1", "65537"),  # asdot
    ("boolean", "True", "1"),
    ("boolean", "False", "0"),
    ("domain", "EXAMPLE.COM", "example.com"),
    ("domain|ip", "EXAMPLE.COM|127.0.0.1", "example.com|127.0.0.1"),
    ("domain", "háčkyčárky.cz", "xn--hkyrky-ptac70bc.cz"),
    ("domain", "HÁČKYČÁRKY.CZ", "xn--hkyrky-ptac70bc.cz"),
    ("domain|ip", "HÁČKYČÁRKY.CZ|127.0.0.1", "xn--hkyrky-ptac70bc.cz|127.0.0.1"),
    ("filename|md5", f"CMD.EXE|{MD5.upper()}", f"CMD.EXE|{MD5}"),
    ("filename|sha1", f"Setup.exe|{SHA1.upper()}", f"Setup.exe|{SHA1}"),
    ("cc-number", "1234-56", "123456"),
    ("bin", "1234 56", "123456"),
    ("iban", "abc-12", "ABC12"),
    ("bic", "abc 12", "ABC12"),
    ("hostname|port", "EXAMPLE.COM:80", "example.com|80"),
    ("ip-src", "127.0.0.1/32", "127.0.0.1"),
    ("ip-src", "127.0.0.1/31", "127.0.0.1/31"),
    ("ip-src", IPV6, IPV6_SHORT),
    ("ip-dst", f"{IPV6}/128", IPV6_SHORT),
    ("domain|ip", f"example.com|{IPV6}/128", f"example.com|{IPV6_SHORT}"),
    ("ip-src|port", f"{IPV6}/128|80", f"{IPV6_SHORT}|80"),
    ("ip-src|port", f"{IPV6}|80", f"{IPV6_SHORT}|80"),
    ("md5", f" {MD5.upper()} ", MD5),
    ("sha1", SHA1.upper(), SHA1),
    ("email", " Someone@Example.COM ", "someone@example.com"),
    ("hostname", "WWW.EXAMPLE.COM", "www.example.com"),
    ("mac-address", "AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"),
    ("phone-number", "00123456", "+123456"),
    ("phone-number", "+1 (23) 456", "+123456"),
    ("prtn", "00123456", "+123456"),
    ("whois-registrant-phone", "+33 (0)1 23", "+33123"),
    ("http-method", "post", "POST"),
    ("hex", "aabb", "AABB"),
    ("vulnerability", "cve-2020-1234", "CVE-2020-1234"),
    ("vulnerability", "CVE\u20132020\u20131234", "CVE-2020-1234"),  # en dashes
    ("vulnerability", "gcve-1-2025-0001", "GCVE-1-2025-0001"),
    ("vulnerability", "GHSA-1234-1234-1234", "GHSA-1234-1234-1234"),  # kept as sent
    ("vulnerability", "ghsa-abcd-efgh-2345", "ghsa-abcd-efgh-2345"),
    ("weakness", "cwe-89", "CWE-89"),
    ("weakness", "CWE\u201389", "CWE-89"),
    ("x509-fingerprint-md5", "AA:6F:C8:3F:37:78:7A:BE:A6:BE:2C:51:26:16:3F:D3",
     "aa6fc83f37787abea6be2c5126163fd3"),
    ("anonymised", "MiXeD", "mixed"),
    ("onion-address", ONION_V3.upper(), ONION_V3),
]  # fmt: skip

# validate: values PyMISP's tests accept as they are.
ACCEPTED = [
    ("AS", "0"), ("AS", "1"), ("AS", "4294967295"), ("AS", "1.1"),
    ("domain|ip", "example.com|127.0.0.1"), ("domain|ip", "example.com|::1"),
    ("filename", "cmd.exe"), ("filename", "cmd.com"),
    ("filename|md5", f"cmd.exe|{MD5}"), ("filename|md5", f"cmd.com|{MD5}"),
    ("tlsh", TLSH), ("tlsh", TLSH_T1),
    ("filename|tlsh", f"cmd.exe|{TLSH}"), ("filename|tlsh", f"cmd.exe|{TLSH_T1}"),
    ("ssdeep", SSDEEP),
    ("ssdeep", "384:EWo4X1WaPW9ZWhWzLo+lWpct/fWbkWsWIwW0/S7dZhgG8:EWo4X1WmW9ZWhWH/WpchfWgWsWTWtf8"),
    ("ssdeep", "6144:3wSQSlrBHFjOvwYAU/Fsgi/2WDg5+YaNk5xcHrYw+Zg+XrZsGEREYRGAFU25ttR/:ctM7E0L4q"),
    ("filename|ssdeep", f"ahoj.txt|{SSDEEP}"),
    ("dom-hash", MD5),
    ("telfhash", "a" * 70), ("telfhash", "a" * 72),
    ("pehash", "a" * 40), ("impfuzzy", "3:aabbcc:ddeeff"), ("cdhash", "a" * 40),
    ("filename|vhash", "file.txt|vhash123"),
    ("vulnerability", "CVE-2020-1234"), ("vulnerability", "GHSA-1234-1234-1234"),
    ("vulnerability", "PYSEC-2021-123"), ("vulnerability", "RHSA-2024:1234"),
    ("weakness", "CWE-89"),
    ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
    ("target-user", "user1"),
    ("ip-src", "127.0.0.1"), ("ip-src", "127.0.0.1/32"), ("ip-dst", "::1"), ("ip-dst", "::1/128"),
    ("windows-service-name", "service1"),
    ("link", "http://example.com"), ("link", "ftp://example.com"),
    ("hex", "aabbcc"),
    ("datetime", "2020-01-01T00:00:00"),
    ("size-in-bytes", "1024"), ("integer", "123"), ("integer", "-123"),
    ("float", "1.23"), ("float", "-1.23"),
    ("iban", "ALPHANUM123"), ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ("cortex", '{"a": 1}'), ("boolean", "true"), ("boolean", "false"),
    ("ip-dst|port", "127.0.0.1|80"), ("ip-dst|port", "::1|80"),
    ("onion-address", "abcdefghijklmnop.onion"), ("onion-address", ONION_V3),
    ("mac-address", "aa:bb:cc:dd:ee:ff"), ("mac-eui-64", "aa:bb:cc:ff:fe:dd:ee:11"),
    ("hostname|port", "example.com|80"),
    ("email", "test@example.com"), ("email", "a.b@c.d"),
    ("http-method", "GET"), ("http-method", "POST"),
    ("port", "1"), ("port", "80"),
    ("ssdeep", "768:+OFu8Q3w6QzfR5Jni6SQD7qSFDs6P93/q0XIc/UB5EPABWX:RFu8QAFzffJui79f13/AnB5EPAkX"),
    ("ssh-fingerprint", "7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a"),
    ("ssh-fingerprint", "MD5:7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a"),
    ("ssh-fingerprint", "SHA256:mVPwvezndPv/ARoIadVY98vAC0g+P/5633yTC4d/wXE"),
]  # fmt: skip

# validate: values PyMISP's tests refuse, and MISP's server refuses too.
REFUSED = [
    ("AS", "1.2.3.4"),
    ("domain|ip", "example.com|127"), ("domain|ip", "example.com|1"),
    ("filename", "cmd.exe\ncmd.com"),
    ("filename|md5", f"cmd.exe\ncmd.com|{MD5}"), ("filename|md5", f"cmd.exe|{SHA1}"),
    ("telfhash", "a" * 69),
    ("pehash", "a" * 39), ("pehash", "z" * 40),
    ("impfuzzy", "3:aabbcc"), ("impfuzzy", "x:aabbcc:ddeeff"),
    ("cdhash", "a" * 39), ("cdhash", "z" * 40),
    ("filename|vhash", "file.txt"),
    ("vulnerability", "CVE-2020"), ("vulnerability", "invalid"),
    ("weakness", "CWE-ABC"), ("weakness", "invalid"),
    ("uuid", "123e4567-e89b-12d3-a456-42661417400g"),
    ("uuid", "123e4567-e89b-12d3-a456-42661417400"),
    ("target-user", "user1\nuser2"),
    *((t, v) for t in ("ip-src", "ip-dst") for v in (
        "127", "127.0.0.", "127.0.0.1/", "127.0.0.1/32/1", "127.0.0.1/128", "::1/257",
        "::1/128/1",
    )),
    ("windows-service-name", "service/1"), ("windows-service-name", "service\\1"),
    ("windows-service-name", "a" * 257),
    ("link", "example.com"),
    ("hex", "zz"),
    ("datetime", "2020:01:01 00-00-00"),
    ("size-in-bytes", "-1"), ("size-in-bytes", "abc"),
    ("integer", "abc"), ("float", "abc"),
    ("btc", "invalid!"),
    ("cortex", "{a: 1}"), ("boolean", "maybe"),
    ("ip-dst|port", "127.0.0.1"), ("ip-dst|port", "127.0.0.1|99999"),
    ("onion-address", "invalid.onion"), ("onion-address", "abc.onion"),
    ("mac-address", "aa:bb:cc:dd:ee:gg"), ("mac-eui-64", "aa:bb:cc:dd:ee:ff:00:gg"),
    ("hostname|port", "example.com"), ("hostname|port", "example.com|99999"),
    ("hostname|port", "invalid_domain|80"),
    ("email", "test@example"), ("email", "test.com"),
    ("http-method", "FIND"),
    ("port", "-80"),
    ("ssdeep", "768:+OFu8Q3w6QzfR5Jni6SQD7qSFDs6P93/q0XIc/UB5EPABWX\n\n:RFu8QAFzffJui79f13/AnB"),
    # MISP's modifyBeforeValidation keeps the prefix; validate then refuses an ip|port
    # whose address is a network.
    ("ip-src|port", f"{IPV6}/127|80"),
]  # fmt: skip

# validate refuses the value as sent; modifyBeforeValidation repairs it first.
REPAIRED = [
    ("iban", "invalid-char!", "INVALIDCHAR"),  # everything but [0-9A-Z] removed
    ("mac-address", "aabbccddeeff", "aa:bb:cc:dd:ee:ff"),
    ("http-method", "get", "GET"),
]

# PyMISP's port refuses these; MISP's own rule (which the server runs) takes them.
MISP_IS_LOOSER = [
    ("telfhash", "z" * 70),  # MISP checks the length only
    ("mac-eui-64", "aa:bb:cc:dd:ee:ff:00:11"),  # any 8 octets, with or without ff:fe
]


def _shown(type_: str, value: str) -> str:
    return join_value(type_, *normalize_value(type_, value))


@pytest.mark.parametrize(("type_", "sent", "stored"), NORMALISED + REPAIRED)
def test_normalised_as_misp_stores_it(type_: str, sent: str, stored: str) -> None:
    assert _shown(type_, sent) == stored


@pytest.mark.parametrize(("type_", "value"), ACCEPTED + MISP_IS_LOOSER)
def test_accepted_as_misp_accepts_it(type_: str, value: str) -> None:
    stored = _shown(type_, value)
    assert _shown(type_, stored) == stored  # storing twice changes nothing


@pytest.mark.parametrize(("type_", "value"), REFUSED)
def test_refused_as_misp_refuses_it(type_: str, value: str) -> None:
    with pytest.raises(InvalidValue, match=repr(type_)):
        normalize_value(type_, value)


# Issue 14 named these "accepted but invalid". MISP's AttributeValidationTool accepts the
# first four (btc/iban: letters and digits; cc-number: digits after removing the rest;
# cpe: no rule), so threatmesh does as well: refusing them would refuse the events of a
# MISP server that holds them. The malware-sample is refused (a documented deviation).
@pytest.mark.parametrize(
    ("type_", "value", "stored"),
    [
        ("btc", "notbtc", "notbtc"),
        ("iban", "XX00", "XX00"),
        ("cc-number", "1234", "1234"),
        ("cpe", "cpe:bad", "cpe:bad"),
    ],
)
def test_review_values_that_misp_accepts(type_: str, value: str, stored: str) -> None:
    assert _shown(type_, value) == stored


@pytest.mark.parametrize("value", ["x.exe|zz", f"x.exe|{MD5}0", f"x.exe|{SHA1}", f"|{MD5}"])
def test_malware_sample_needs_a_file_name_and_an_md5(value: str) -> None:
    with pytest.raises(InvalidValue, match="MD5"):
        normalize_value("malware-sample", value)
    assert _shown("malware-sample", f"x.exe|{MD5.upper()}") == f"x.exe|{MD5}"
