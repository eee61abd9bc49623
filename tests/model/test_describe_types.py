"""The MISP attribute type table: loading, lookups, and the table's own consistency."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from threatmesh.model.errors import InvalidValue
from threatmesh.model.validation import describe_types as dt

SRC = Path(__file__).resolve().parents[2] / "src"


def test_result_has_misp_shape() -> None:
    result = dt.describe_types()
    assert set(result) == {"types", "categories", "category_type_mappings", "sane_defaults"}
    assert "ip-src" in result["types"]
    assert result["sane_defaults"]["ip-src"] == {
        "default_category": "Network activity",
        "to_ids": 1,
    }


def test_describe_types_returns_a_fresh_copy() -> None:
    dt.describe_types()["types"].clear()
    assert "md5" in dt.describe_types()["types"]
    assert "md5" in dt.attribute_types()


def test_loading_is_lazy() -> None:
    # A fresh interpreter, because this one has long since loaded the table.
    code = (
        "import threatmesh.model.validation.describe_types as d\n"
        "assert d._raw_text.cache_info().currsize == 0\n"
        "assert d._tables.cache_info().currsize == 0\n"
        "assert 'md5' in d.attribute_types()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_attribute_types_and_categories() -> None:
    result = dt.describe_types()
    assert dt.attribute_types() == frozenset(result["types"])
    assert dt.categories() == tuple(result["categories"])
    assert dt.categories()[0] == "Internal reference"
    assert "Network activity" in dt.categories()


@pytest.mark.parametrize(
    ("type_", "category", "to_ids"),
    [
        ("ip-src", "Network activity", True),
        ("md5", "Payload delivery", True),
        ("comment", "Other", False),
        ("text", "Other", False),
        ("vulnerability", "External analysis", False),
        ("malware-sample", "Payload delivery", True),
    ],
)
def test_defaults(type_: str, category: str, to_ids: bool) -> None:
    assert dt.default_category(type_) == category
    assert dt.default_to_ids(type_) is to_ids


def test_defaults_of_an_unknown_type_raise() -> None:
    with pytest.raises(InvalidValue, match="unknown attribute type"):
        dt.default_category("no-such-type")
    with pytest.raises(InvalidValue):
        dt.default_to_ids("no-such-type")


@pytest.mark.parametrize(
    ("category", "type_", "allowed"),
    [
        ("Network activity", "ip-dst", True),
        ("Payload delivery", "filename|sha256", True),
        ("Network activity", "filename|sha256", False),
        ("Internal reference", "ip-src", False),
        ("No such category", "ip-src", False),
        ("Network activity", "no-such-type", False),
    ],
)
def test_category_allows(category: str, type_: str, allowed: bool) -> None:
    assert dt.category_allows(category, type_) is allowed


@pytest.mark.parametrize(
    ("type_", "compound"),
    [
        ("filename|md5", True),
        ("ip-dst|port", True),
        ("regkey|value", True),
        ("malware-sample", True),
        ("md5", False),
        ("attachment", False),
        ("ip-dst", False),
    ],
)
def test_is_compound(type_: str, compound: bool) -> None:
    assert dt.is_compound(type_) is compound
    assert (type_ in dt.compound_types()) is compound


def test_every_type_has_sane_defaults() -> None:
    result = dt.describe_types()
    assert set(result["sane_defaults"]) == set(result["types"])


def test_every_default_category_contains_its_type() -> None:
    result = dt.describe_types()
    mappings = result["category_type_mappings"]
    for type_, defaults in result["sane_defaults"].items():
        category = defaults["default_category"]
        assert category in mappings, (type_, category)
        assert type_ in mappings[category], (type_, category)
        assert dt.category_allows(category, type_)
        assert defaults["to_ids"] in (0, 1)


def test_category_mappings_only_name_known_types_and_categories() -> None:
    result = dt.describe_types()
    assert set(result["category_type_mappings"]) == set(result["categories"])
    for types in result["category_type_mappings"].values():
        assert set(types) <= dt.attribute_types()


def test_constants_name_known_types() -> None:
    for constant in (
        dt.NON_CORRELATING_TYPES,
        dt.PRIMARY_ONLY_CORRELATING_TYPES,
        dt.IP_TYPES,
        dt.IP_VALUE2_TYPES,
    ):
        assert constant <= dt.attribute_types()
    assert dt.PRIMARY_ONLY_CORRELATING_TYPES <= dt.compound_types()
    assert {"comment", "port", "boolean", "integer", "anonymised"} <= dt.NON_CORRELATING_TYPES
    assert dt.IP_TYPES == {"ip-src", "ip-dst", "ip-src|port", "ip-dst|port"}
    assert dt.IP_VALUE2_TYPES == {"domain|ip"}
