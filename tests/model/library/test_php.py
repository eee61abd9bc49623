"""The PHP semantics the library reproduces."""

from __future__ import annotations

import pytest

from threatmesh.model.library.php import compile_pcre, is_empty, is_numeric, round_half_up, to_str


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "1"),
        (False, ""),
        (None, ""),
        (3, "3"),
        (1.0, "1"),
        (0.1 + 0.2, "0.3"),
        (1e25, "1.0E+25"),
        (1.5e-7, "1.5E-7"),
        ("x", "x"),
    ],
)
def test_to_str(value: object, text: str) -> None:
    assert to_str(value) == text


@pytest.mark.parametrize("value", ["", "0", 0, 0.0, None, False, [], {}])
def test_empty(value: object) -> None:
    assert is_empty(value)


@pytest.mark.parametrize("value", ["a", "00", " ", 1, [0], True])
def test_not_empty(value: object) -> None:
    assert not is_empty(value)


@pytest.mark.parametrize(
    ("value", "numeric"),
    [
        ("2", True),
        (" 2.5", True),
        ("1e3", True),
        (".5", True),
        ("2 ", True),
        ("", False),
        ("abc", False),
        ("0x1A", False),
        (True, False),
        (3, True),
    ],
)
def test_is_numeric(value: object, numeric: bool) -> None:
    assert is_numeric(value) is numeric


def test_round_half_up() -> None:
    assert round_half_up(0.00005, 4) == 0.0001
    assert round_half_up(2.5) == 3.0
    assert round_half_up(-2.5) == -3.0
    assert round_half_up(0.16665, 4) == 0.1667


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("/abc/i", "xABCx", True),
        ("#^a.c$#", "abc", True),
        ("(a)", "xa", True),
        ("{a\\}b}", "a}b", True),
        ("/^b/m", "a\nb", True),
        ("/a/A", "ba", False),
    ],
)
def test_compile_pcre(pattern: str, text: str, matches: bool) -> None:
    compiled = compile_pcre(pattern)
    assert compiled is not None
    regex, anchored = compiled
    found = regex.match(text) if anchored else regex.search(text)
    assert bool(found) is matches


@pytest.mark.parametrize("pattern", ["/abc/g", "abc", "/abc", "/a/b/i", "/(/", "", "\\abc\\"])
def test_patterns_php_refuses(pattern: str) -> None:
    assert compile_pcre(pattern) is None
