"""Warninglist matching with MISP's semantics (``Warninglist::checkValue`` and friends),
on small lists for each rule and on the shipped lists for the live suite's facts."""

from __future__ import annotations

import pytest

from threatmesh.model.library.warninglist_match import (
    CompiledWarninglist,
    WarninglistMatcher,
    check_value,
    compile_matcher,
    compile_warninglist,
)
from threatmesh.model.library.warninglists import Warninglist, load_warninglists


def _list(
    list_id: int, kind: str, entries: list[str], types: tuple[str, ...] = ("ALL",)
) -> CompiledWarninglist:
    wl = Warninglist(
        name=f"list {list_id}",
        type=kind,
        description="",
        version=1,
        category="false_positive",
        matching_attributes=types,
        values=tuple(entries),
    )
    return compile_warninglist(list_id, wl)


def test_string_is_exact_and_case_sensitive() -> None:
    matcher = compile_matcher("string", ["Example.com"])
    assert matcher.first("Example.com") == "Example.com"
    assert matcher.first("example.com") is None
    assert matcher.first("www.Example.com") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", "example.com"),
        ("www.example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("example.com.", "example.com"),
        ("http://www.example.com/path", "example.com"),
        ("www.example.com/path?q=1", "example.com"),
        ("badexample.com", None),
        ("example.org", None),
        # MISP lower-cases the entries, not the value.
        ("WWW.EXAMPLE.COM", None),
        # The host of a URL is the third "/" piece: a port stays on it.
        ("http://example.com:8080/x", None),
        # "//" anywhere makes MISP take the third piece.
        ("example.com/a//b", None),
    ],
)
def test_hostname_is_a_suffix_match_on_labels(value: str, expected: str | None) -> None:
    matcher = compile_matcher("hostname", [".Example.COM."])
    assert matcher.first(value) == expected


def test_hostname_can_match_a_whole_tld() -> None:
    matcher = compile_matcher("hostname", ["onion"])
    assert matcher.first("abc.onion") == "onion"


def test_substring_returns_the_first_entry_in_list_order() -> None:
    matcher = compile_matcher("substring", ["mail.com", "ail.co", "x"])
    assert matcher.first("foo@mail.com") == "mail.com"
    assert compile_matcher("substring", ["ail.co", "mail.com"]).first("foo@mail.com") == "ail.co"
    assert matcher.first("nothing here") is None


def test_substring_long_list_and_short_value_agree_with_a_scan() -> None:
    entries = [f"domain{i}.test" for i in range(5000)] + ["in.test", "ain3.t"]
    matcher = compile_matcher("substring", entries)
    for value in ("a@domain3.test", "user@in.test", "x@nowhere.org", "ain3.t"):
        expected = next((e for e in entries if e in value), None)
        assert matcher.first(value) == expected


def test_regex_uses_pcre_delimiters_and_flags() -> None:
    matcher = compile_matcher("regex", ["/^(security|noc|soc|abuse)\\@.*\\..*$/i"])
    assert matcher.first("SECURITY@example.com") == "/^(security|noc|soc|abuse)\\@.*\\..*$/i"
    assert matcher.first("alice@example.com") is None


def test_regex_with_a_modifier_php_refuses_never_matches() -> None:
    # The shipped phone-number list uses /g, which preg_match rejects.
    matcher = compile_matcher("regex", ["/((?:\\+|00)1)?55501([0-9]{2})/g", "#^555#"])
    assert matcher.first("+15550123") is None
    assert matcher.first("5551234") == "#^555#"


def test_unknown_list_type() -> None:
    with pytest.raises(ValueError, match="glob"):
        compile_matcher("glob", [])


@pytest.mark.parametrize(
    ("attribute_type", "value", "expected"),
    [
        ("domain|ip", "example.org|8.8.8.8", ("8.8.8.8/32", "8.8.8.8")),
        ("ip-dst|port", "8.8.8.8|53", ("8.8.8.8/32", "8.8.8.8")),
        ("malware-sample", "8.8.8.8|x", ("8.8.8.8/32", "8.8.8.8")),
        # A non-composite type is not split.
        ("text", "example.org|8.8.8.8", None),
        # checkValue's own call passes no type: no split either.
        ("", "x|8.8.8.8", None),
    ],
)
def test_composite_values_are_split_once(attribute_type: str, value: str, expected: object) -> None:
    matcher = compile_matcher("cidr", ["8.8.8.8"])
    assert check_value(matcher, value, attribute_type) == expected


def test_matching_attributes_limit_the_lists_applied() -> None:
    only_ips = _list(1, "cidr", ["8.8.8.8"], ("ip-src", "ip-dst"))
    everything = _list(2, "string", ["8.8.8.8"])
    matcher = WarninglistMatcher([only_ips, everything])
    assert [h.warninglist_id for h in matcher.hits("ip-dst", "8.8.8.8")] == [1, 2]
    assert [h.warninglist_id for h in matcher.hits("text", "8.8.8.8")] == [2]
    assert not matcher.passes("text", "8.8.8.8")
    assert matcher.passes("text", "9.9.9.9")


def test_hit_carries_the_list_and_what_matched() -> None:
    matcher = WarninglistMatcher([_list(7, "hostname", ["example.com"], ("domain|ip",))])
    (hit,) = matcher.hits("domain|ip", "www.example.com|1.2.3.4")
    assert (hit.warninglist_id, hit.warninglist_name, hit.warninglist_category) == (
        7,
        "list 7",
        "false_positive",
    )
    assert (hit.match, hit.value) == ("example.com", "www.example.com")


def test_check_values_trims_and_ignores_types() -> None:
    matcher = WarninglistMatcher([_list(1, "string", ["abc"], ("md5",))])
    answer = matcher.check_values([" abc\n", "zzz"])
    assert list(answer) == ["abc"]
    ((wl, matched),) = answer["abc"]
    assert (wl.id, matched) == (1, "abc")


@pytest.fixture(scope="module")
def shipped() -> dict[str, Warninglist]:
    return {w.name: w for w in load_warninglists().items}


def test_live_suite_facts_about_the_dns_resolver_lists(shipped: dict[str, Warninglist]) -> None:
    # test_simple_event: with the DNS resolver lists enabled, enforceWarninglist drops the
    # resolvers 8.8.8.8, 9.9.9.9 and 1.1.1.1 but keeps 1.11.71.4 and 8.8.8.9.
    enabled = [
        compile_warninglist(i, wl)
        for i, wl in enumerate((w for n, w in shipped.items() if "dns resolv" in n.lower()), 1)
    ]
    matcher = WarninglistMatcher(enabled)
    for address in ("8.8.8.8", "9.9.9.9", "1.1.1.1"):
        assert not matcher.passes("ip-dst", address)
    for address in ("1.11.71.4", "8.8.8.9"):
        assert matcher.passes("ip-dst", address)
    assert not matcher.passes("ip-dst", "2001:4860:4860::8888")
    assert not matcher.passes("hostname", "dns.google")


def test_live_suite_fact_about_the_empty_file_hash(shipped: dict[str, Warninglist]) -> None:
    # test_warninglists posts checkValue ["d41d8cd98f00b204e9800998ecf8427e"].
    enabled = [compile_warninglist(i, wl) for i, wl in enumerate(shipped.values(), 1)]
    answer = WarninglistMatcher(enabled).check_values(["d41d8cd98f00b204e9800998ecf8427e"])
    names = {wl.name for wl, _ in answer["d41d8cd98f00b204e9800998ecf8427e"]}
    assert "List of known hashes for empty files" in names


def test_shipped_hostname_list_matches_subdomains(shipped: dict[str, Warninglist]) -> None:
    tranco = compile_warninglist(1, shipped["Top 1,000,000 most-used sites from Tranco"])
    assert tranco.matcher.first("mail.google.com") == "google.com"
    assert tranco.applies_to("domain") and not tranco.applies_to("ip-dst")
