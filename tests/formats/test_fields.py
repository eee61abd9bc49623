"""Field coercions that issue 14 tightened: NUL characters, timestamps, tag colours."""

from __future__ import annotations

from typing import Any

import pytest

from threatmesh.formats.fields import as_colour, as_timestamp, nul_path
from threatmesh.model.errors import InvalidInput


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"Event": {"info": "a\x00"}}, "Event.info"),
        ({"Event": {"Attribute": [{"value": "ok"}, {"comment": "\x00"}]}},
         "Event.Attribute[1].comment"),
        ({"Tag": ["fine", "bad\x00"]}, "Tag[1]"),
        ({"a": {"k\x00": 1}}, "a.'k\\x00' (a field name)"),
        ("\x00", "request body"),
        ([{"x": [0, "\x00"]}], "[0].x[1]"),
    ],
)  # fmt: skip
def test_nul_path_names_the_field(document: Any, path: str) -> None:
    assert nul_path(document) == path


@pytest.mark.parametrize("document", [{}, [], {"info": "x", "n": [1, 2.5, None, True]}, "ok"])
def test_nul_path_of_clean_documents_is_none(document: Any) -> None:
    assert nul_path(document) is None


def test_nul_path_walks_deep_documents_without_recursing() -> None:
    deep: Any = "\x00"
    for _ in range(10_000):  # far past Python's recursion limit
        deep = [deep]
    assert nul_path(deep) == "[0]" * 10_000


@pytest.mark.parametrize("value", [-1, -(2**40), "1969-12-31T23:59:59Z"])
def test_timestamps_before_1970_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput, match="before 1970"):
        as_timestamp(value, "Event.timestamp", 0)


@pytest.mark.parametrize(("value", "seconds"), [(None, 7), (0, 7), ("5", 5), (1, 1)])
def test_timestamps(value: Any, seconds: int) -> None:
    assert as_timestamp(value, "t", 7) == seconds


def test_colours_are_rgb() -> None:
    assert as_colour("#00FFaa", "c") == "#00FFaa"
    assert as_colour("", "c") is None
    for bad in ("red", "#fff", "#0088cc00", 5):
        with pytest.raises(InvalidInput, match=r"c: .* is not a colour"):
            as_colour(bad, "c")
