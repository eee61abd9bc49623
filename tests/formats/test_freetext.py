"""MISP's free-text parser: the cases of MISP's own ``app/Test/ComplexTypeToolTest.php``
(free-text and refang tests, MISP bb0909a), PyMISP's live ``test_freetext`` inputs, and
the JSON and warninglist-fed paths."""

from __future__ import annotations

import pytest

from threatmesh.formats.freetext import check_free_text, refang, tld_set
from threatmesh.formats.freetext.validators import is_email, is_url


def _one(text: str, **kwargs: object) -> tuple[str, str]:
    results = check_free_text(text, **kwargs)  # type: ignore[arg-type]
    assert len(results) == 1, results
    return results[0].candidate.value, results[0].candidate.default_type


def test_header_line_and_separators() -> None:
    text = (
        "# LAST 1000 # UTC UPDATE 2020-07-13 08:15:00\n"
        '127.0.0.1,(127.0.0.2),  <127.0.0.3>; "127.0.0.4" "\'127.0.0.5\'"'
    )
    results = check_free_text(text)
    assert [r.candidate.value for r in results] == [f"127.0.0.{i}" for i in range(1, 6)]
    assert {r.candidate.default_type for r in results} == {"ip-dst"}


@pytest.mark.parametrize(
    ("text", "value", "default_type"),
    [
        ("127.0.0.1", "127.0.0.1", "ip-dst"),
        ("we also saw an IP address (8.8.8.8).", "8.8.8.8", "ip-dst"),
        ("127.0.0.1/32", "127.0.0.1/32", "ip-dst"),
        ("2a00:1450:4005:80a::2003", "2a00:1450:4005:80a::2003", "ip-dst"),
        ("2a00:1450:4005:80a::2003/128", "2a00:1450:4005:80a::2003/128", "ip-dst"),
        ("example.com", "example.com", "domain"),
        ("example.example.com", "example.example.com", "hostname"),
        ("example.com.", "example.com", "domain"),
        ("example.txt.zip", "example.txt.zip", "filename"),
        ("/var/log/example.txt.zip", "/var/log/example.txt.zip", "filename"),
        ("C:\\example.txt.zip", "C:\\example.txt.zip", "filename"),
        (
            "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion",
            "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion",
            "regkey",
        ),
        ("EXAMPLE.COM", "EXAMPLE.COM", "domain"),
        ("háčkyčárky.cz", "háčkyčárky.cz", "domain"),
        ("xn--ghq549cb2anjl2suxo.com", "xn--ghq549cb2anjl2suxo.com", "domain"),
        ("test@example.com", "test@example.com", "email-src"),
        ("test[@]example.com", "test@example.com", "email-src"),
        ("test[at]example.com", "test@example.com", "email-src"),
        ("http://example.com", "http://example.com", "url"),
        ("https://example.com", "https://example.com", "url"),
        ("https://github.com:443/MISP/MISP", "https://github.com:443/MISP/MISP", "url"),
        ("github.com/MISP/MISP", "github.com/MISP/MISP", "url"),
        (
            "https://www.hybrid-analysis.com/example",
            "https://www.hybrid-analysis.com/example",
            "link",
        ),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc"),
        (
            "24:VGXGP7L5e/Ixt3af/WKPPaYpzg4m3XWMCsXNCRs0:kYDxcfPZpelCs9Cm0",
            "24:VGXGP7L5e/Ixt3af/WKPPaYpzg4m3XWMCsXNCRs0:kYDxcfPZpelCs9Cm0",
            "ssdeep",
        ),
        ("CVE-2019-16202", "CVE-2019-16202", "vulnerability"),
        ("cve-2019-16202", "CVE-2019-16202", "vulnerability"),
        ("as0 AS0", "AS0", "AS"),
        ("9e107d9d372bb6826bd81d3542a419d6", "9e107d9d372bb6826bd81d3542a419d6", "md5"),
        ("9E107D9D372BB6826BD81D3542A419D6", "9E107D9D372BB6826BD81D3542A419D6", "md5"),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha1",
        ),
        (
            "ahoj.txt|9e107d9d372bb6826bd81d3542a419d6",
            "ahoj.txt|9e107d9d372bb6826bd81d3542a419d6",
            "filename|md5",
        ),
    ],
)
def test_misp_cases(text: str, value: str, default_type: str) -> None:
    assert _one(text) == (value, default_type)


@pytest.mark.parametrize(
    ("text", "value", "comment"),
    [
        ("127.0.0.1:8080", "127.0.0.1|8080", "On port 8080"),
        ("[1fff:0:a88:85a3::ac1f]:8001", "1fff:0:a88:85a3::ac1f|8001", "On port 8001"),
    ],
)
def test_ip_with_port(text: str, value: str, comment: str) -> None:
    (result,) = check_free_text(text)
    assert (result.candidate.value, result.candidate.default_type) == (value, "ip-dst|port")
    assert result.candidate.comment == comment


def test_domain_with_port_keeps_the_port_as_comment() -> None:
    (result,) = check_free_text("example.com:80")
    assert (result.candidate.value, result.candidate.default_type) == ("example.com", "domain")
    assert result.candidate.comment == "On port 80"


@pytest.mark.parametrize(
    "text",
    [
        "fe80:0000:f2cd:7d80:3f37:52c6",
        "2018-08-21",
        "cK753n3MVw",
        "",
        *["|", "&", "$", "0", ":80", "1.2", "[]:80", "\\.", ".", ":", "a:b", "a:b:c"],
    ],
)
def test_nothing_found(text: str) -> None:
    assert check_free_text(text) == []


def test_unknown_tld_is_a_filename() -> None:
    assert _one("example.example", tlds={"com"}) == ("example.example", "filename")


def test_punycode_tld_from_the_list() -> None:
    value = "xn--lbrs59br5a.xn--fiqs8s"
    assert _one(value, tlds={"xn--fiqs8s"}) == (value, "domain")


def test_security_vendor_urls_are_links() -> None:
    text = "https://www.virustotal.com/example https://virustotal.com/example"
    results = check_free_text(text)
    assert [(r.candidate.value, r.candidate.default_type) for r in results] == [
        ("https://www.virustotal.com/example", "link"),
        ("https://virustotal.com/example", "link"),
    ]


@pytest.mark.parametrize("scheme", ["hxxp", "hxtp", "htxp", "hxxps", "hxtps", "htxps"])
def test_defanged_schemes(scheme: str) -> None:
    expected = "https" if scheme.endswith("s") else "http"
    assert _one(f"{scheme}://example.com") == (f"{expected}://example.com", "url")


@pytest.mark.parametrize(
    "address",
    [
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        "BC1SW50QA3JX3S",
        "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    ],
)
def test_bech32_bitcoin_addresses(address: str) -> None:
    assert _one(address) == (address, "btc")


@pytest.mark.parametrize("space", ["\xa0", "\xa0\xa0", "\x1d", "\x1d\x1d"])
def test_control_characters_and_no_break_spaces_separate(space: str) -> None:
    results = check_free_text(f"127.0.0.1{space}127.0.0.2")
    assert [r.candidate.value for r in results] == ["127.0.0.1", "127.0.0.2"]


def test_quoted_runs_are_extra_tokens() -> None:
    results = check_free_text('="127.0.0.1",="127.0.0.2","","1"')
    assert [r.candidate.value for r in results] == ["127.0.0.1", "127.0.0.2"]


def test_duplicates_are_removed() -> None:
    assert len(check_free_text("1.2.3.4 1.2.3.4")) == 1


@pytest.mark.parametrize("value", ["meow://example.com", "h[tt]p://example.com"])
@pytest.mark.parametrize("attribute_type", ["url", "link"])
def test_refang_scheme(value: str, attribute_type: str) -> None:
    assert refang(value, attribute_type) == "http://example.com"


@pytest.mark.parametrize(
    "value",
    [
        "127.0.0.1",
        "127[.]0.0.1",
        "127[.]0[.]0[.]1",
        "127[dot]0[dot]0[dot]1",
        "127(dot)0(dot)0(dot)1",
    ],
)
def test_refang_dots(value: str) -> None:
    assert refang(value, "ip-src") == "127.0.0.1"


def test_refang_keeps_backslashes() -> None:
    text = (
        "http://googlechromeupdater.twilightparadox.com/html?DVXNSTHORF=fd6f240590734406be3bd35ca3622ea0;"
        "GRIBOOZ0LN=a3bf23855b0b40dda08f709fabb60d32;\\..\\..\\..\\./mshtml,RunHTMLApplication"
    )
    assert refang(text, "url") == text


@pytest.mark.parametrize(
    "value", ["admin@admin[.]test", "admin[@]admin[.]test", "admin[at]admin[dot]test"]
)
def test_refang_email(value: str) -> None:
    assert refang(value, "email-src") == "admin@admin.test"


def test_pymisp_live_inputs() -> None:
    # testlive_comprehensive.test_freetext posts these and reads r[0].value.
    for text, first in (("1.1.1.1 foo@bar.de", "1.1.1.1"), ("9.9.9.9 foo@bar.com", "9.9.9.9")):
        results = check_free_text(text)
        assert [r.candidate.default_type for r in results] == ["ip-dst", "email-src"]
        assert results[0].candidate.value == first


def test_rest_item_shape() -> None:
    (item,) = [r.as_misp() for r in check_free_text("8.8.8.8")]
    assert item == {
        "types": {"ip-dst": "ip-dst", "ip-src": "ip-src", "ip-src/ip-dst": "ip-src/ip-dst"},
        "default_type": "ip-dst",
        "value": "8.8.8.8",
        "original_value": "8.8.8.8",
        "to_ids": 1,
    }


def test_json_input_walks_string_leaves() -> None:
    text = '{"a": ["8.8.8.8", 12, true, null], "b": {"c": "see evil.com now"}}'
    values = [r.candidate.value for r in check_free_text(text)]
    assert values == ["8.8.8.8", "evil.com"]


def test_invalid_json_falls_back_to_text() -> None:
    assert [r.candidate.value for r in check_free_text("{ 8.8.8.8")] == ["8.8.8.8"]


def test_exclude_regex() -> None:
    results = check_free_text("8.8.8.8 9.9.9.9", exclude_regex="/^8\\./")
    assert [r.candidate.value for r in results] == ["9.9.9.9"]


def test_tlds_from_a_warninglist_are_lowercased_and_include_onion() -> None:
    tlds = tld_set(["COM", "ORG"])
    assert tlds == {"com", "org", "onion"}
    # MISP with its TLD list: an unlisted TLD is not a domain.
    assert _one("example.de", tlds=tlds)[1] == "filename"
    assert _one("example.onion", tlds=tlds)[1] == "domain"


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("foo@bar.de", True),
        ("a.b+c@sub.example.co.uk", True),
        ('"quoted@local"@example.com', True),
        # PHP's quoted local part allows no bare space (only an escaped one).
        ('"quoted local"@example.com', False),
        ('"quoted\\ local"@example.com', True),
        ("user@[192.0.2.1]", True),
        ("user@localhost", False),
        ("user@example.123", False),
        ("user@-example.com", False),
        ("a" * 65 + "@example.com", False),
        ("no-at-sign", False),
    ],
)
def test_email_validation(address: str, valid: bool) -> None:
    assert is_email(address) is valid


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("http://example.com", True),
        ("https://github.com:443/MISP/MISP", True),
        ("http://[2001:db8::1]:80/x", True),
        ("mailto:someone", True),
        ("example.com/path", False),
        ("http://exa mple.com", False),
        ("http://-bad.com", False),
        ("http://example.com:99999", False),
        ("ftp://", False),
    ],
)
def test_url_validation(url: str, valid: bool) -> None:
    assert is_url(url) is valid
