"""MISP's tag checks against taxonomies: exclusivity, conflicts, required, namespaces."""

from __future__ import annotations

import pytest

from threatmesh.model.library.taxonomies import load_taxonomies, taxonomy_from_json
from threatmesh.model.library.taxonomy_rules import (
    TagParts,
    TaxonomyIndex,
    conflicts,
    is_allowed,
    matching_namespace,
    missing_required,
    split_tag,
    strip_last_component,
)


@pytest.fixture(scope="module")
def index() -> TaxonomyIndex:
    return TaxonomyIndex(load_taxonomies().items)


@pytest.mark.parametrize(
    ("tag", "parts"),
    [
        ("tlp:red", TagParts("tlp", "red", None)),
        (
            'admiralty-scale:source-reliability="a"',
            TagParts("admiralty-scale", "source-reliability", "a"),
        ),
        ('misp-galaxy:threat-actor="APT 28"', TagParts("misp-galaxy", "threat-actor", "APT 28")),
        ("plain", None),
        ("tlp:ex:chr", None),
        ('ns:p="a:b"', TagParts("ns", "p", "a:b")),
        ('ns:p=""', None),
    ],
)
def test_split_tag(tag: str, parts: TagParts | None) -> None:
    assert split_tag(tag) == parts


def test_strip_last_component() -> None:
    assert strip_last_component("tlp:red") == "tlp"
    assert strip_last_component('ns:p="v"') == "ns:p"
    assert strip_last_component("plain") == ""


def test_exclusive_taxonomy(index: TaxonomyIndex) -> None:
    assert is_allowed("tlp:red", [], index)
    assert not is_allowed("tlp:red", ["tlp:green"], index)
    assert is_allowed("tlp:red", ["PAP:RED"], index)


def test_tlp_white_and_clear_may_stand_together(index: TaxonomyIndex) -> None:
    assert is_allowed("tlp:white", ["tlp:clear"], index)
    assert is_allowed("tlp:clear", ["tlp:white"], index)
    assert not is_allowed("tlp:clear", ["tlp:green"], index)


def test_exclusive_predicate(index: TaxonomyIndex) -> None:
    present = ['admiralty-scale:source-reliability="a"']
    assert not is_allowed('admiralty-scale:source-reliability="b"', present, index)
    assert is_allowed('admiralty-scale:information-credibility="1"', present, index)


def test_unknown_and_plain_tags_are_always_allowed(index: TaxonomyIndex) -> None:
    assert is_allowed("foo", ["bar"], index)
    assert is_allowed("unknown-ns:x", ["unknown-ns:y"], index)


def test_lookup_ignores_case(index: TaxonomyIndex) -> None:
    found = index.for_tag("TLP:RED")
    assert found is not None and found[0].namespace == "tlp"
    assert found[1] is not None and found[1].value == "red"


def test_conflicts(index: TaxonomyIndex) -> None:
    (conflict,) = conflicts(["tlp:red", "tlp:green", "foo"], index)
    assert conflict.tags == ("tlp:red", "tlp:green")
    assert conflict.conflict == "Taxonomy `tlp` is an exclusive Taxonomy"
    (conflict,) = conflicts(
        ['admiralty-scale:source-reliability="a"', 'admiralty-scale:source-reliability="b"'], index
    )
    assert conflict.conflict == "Predicate `source-reliability` is exclusive"
    assert conflicts(["tlp:white", "tlp:clear"], index) == []
    assert len(conflicts(["tlp:white", "tlp:clear", "tlp:red"], index)) == 1


def test_missing_required_compares_namespaces_exactly() -> None:
    assert missing_required(["tlp", "PAP"], ["tlp:red"]) == ["PAP"]
    assert missing_required(["tlp"], ["TLP:RED"]) == ["tlp"]
    assert missing_required([], ["anything"]) == []


def test_matching_namespace_is_a_prefix_without_case() -> None:
    assert matching_namespace("TLP:RED", ["PAP", "tlp"]) == "tlp"
    assert matching_namespace("tlpx:y", ["tlp"]) == "tlp"
    assert matching_namespace("other:y", ["tlp"]) is None


def test_index_over_a_custom_taxonomy() -> None:
    custom = taxonomy_from_json(
        {
            "namespace": "demo",
            "description": "d",
            "predicates": [{"value": "level", "exclusive": True}, {"value": "free"}],
        }
    )
    index = TaxonomyIndex([custom])
    assert not is_allowed('demo:level="2"', ['demo:level="1"'], index)
    assert is_allowed('demo:free="2"', ['demo:free="1"'], index)
