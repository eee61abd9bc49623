"""Taxonomies from pytaxonomies, as MISP's ``Taxonomy::update`` stores them, and their tags."""

from __future__ import annotations

import pytest
from pytaxonomies import Taxonomies

from threatmesh.model.errors import InvalidInput
from threatmesh.model.library.colours import palette_from_string
from threatmesh.model.library.taxonomies import (
    Taxonomy,
    entries,
    load_taxonomies,
    tag_colours,
    taxonomy_from_json,
)


@pytest.fixture(scope="module")
def by_namespace() -> dict[str, Taxonomy]:
    loaded = load_taxonomies()
    assert loaded.failures == ()
    return {t.namespace: t for t in loaded.items}


def test_event_taxonomies_are_loaded(by_namespace: dict[str, Taxonomy]) -> None:
    # 181 shipped; analyst-assessment is typed ["org", "user"], so MISP skips it.
    assert len(Taxonomies()) == 181
    assert len(by_namespace) == 180
    assert "analyst-assessment" not in by_namespace
    assert "ai-computer-assisted" in by_namespace  # typed ["event"]


def test_tags_agree_with_pytaxonomies(by_namespace: dict[str, Taxonomy]) -> None:
    reference = Taxonomies()
    for namespace, taxonomy in by_namespace.items():
        assert sorted(e.tag for e in entries(taxonomy)) == sorted(
            reference[namespace].machinetags()
        )


def test_tlp(by_namespace: dict[str, Taxonomy]) -> None:
    tlp = by_namespace["tlp"]
    assert tlp.exclusive and not tlp.highlighted
    tags = [e.tag for e in entries(tlp)]
    assert tags[:6] == [
        "tlp:red",
        "tlp:amber",
        "tlp:amber+strict",
        "tlp:green",
        "tlp:white",
        "tlp:clear",
    ]
    red = entries(tlp)[0]
    assert red.colour == "#FF2B2B" and red.exclusive_predicate is None
    assert red.expanded.startswith("(TLP:RED)")


def test_entries_of_a_predicate_with_values(by_namespace: dict[str, Taxonomy]) -> None:
    first = entries(by_namespace["admiralty-scale"])[0]
    assert first.tag == 'admiralty-scale:source-reliability="a"'
    assert first.expanded == "Source Reliability: Completely reliable"
    assert first.exclusive_predicate is True
    assert first.numerical_value == 100


def test_numerical_values_of_predicates(by_namespace: dict[str, Taxonomy]) -> None:
    retention = {e.tag: e.numerical_value for e in entries(by_namespace["retention"])}
    assert retention["retention:expired"] == 0
    assert retention["retention:1d"] == 1


def test_name_filter_is_case_insensitive(by_namespace: dict[str, Taxonomy]) -> None:
    assert [e.tag for e in entries(by_namespace["tlp"], "AMBER")] == [
        "tlp:amber",
        "tlp:amber+strict",
    ]


def test_values_blocks_merge_into_their_predicate() -> None:
    taxonomy = taxonomy_from_json(
        {
            "namespace": "ns",
            "description": "d",
            "predicates": [{"value": "p", "expanded": "P"}, {"value": "q"}],
            "values": [
                {"predicate": "p", "entry": [{"value": "a"}]},
                {"predicate": "p", "entry": [{"value": "b", "expanded": "B"}]},
            ],
        }
    )
    assert taxonomy.version == 1 and not taxonomy.exclusive
    assert [(e.tag, e.expanded) for e in entries(taxonomy)] == [
        ('ns:p="a"', "P: a"),
        ('ns:p="b"', "P: B"),
        ("ns:q", "q"),
    ]


def test_values_for_an_unknown_predicate_are_refused() -> None:
    with pytest.raises(InvalidInput, match="Predicate `nope` is missing"):
        taxonomy_from_json(
            {
                "namespace": "ns",
                "description": "d",
                "predicates": [{"value": "p"}],
                "values": [{"predicate": "nope", "entry": [{"value": "a"}]}],
            }
        )


def test_palette_by_hand() -> None:
    # "tlp": ASCII sum 336 -> hue 0.36; one shade: value 1.0. HSV(0.36, 1, 1): sector 2,
    # f = 0.16 -> (0, 1, 0.16) -> 0.16 * 255 = 40.8 -> 41 = 0x29.
    assert palette_from_string("tlp", 1) == ["#00ff29"]
    # Two shades: values 0.6 and 1.0; 0.6 * 255 = 153 = 0x99, 0.6 * 0.16 * 255 = 24.48 -> 0x18.
    assert palette_from_string("tlp", 2) == ["#009918", "#00ff29"]
    assert palette_from_string("tlp", 0) == []


def test_tag_colours_prefer_the_entry_colour(by_namespace: dict[str, Taxonomy]) -> None:
    colours = tag_colours(by_namespace["tlp"])
    assert colours["tlp:red"] == "#FF2B2B"
    plain = tag_colours(by_namespace["admiralty-scale"])
    shades = palette_from_string("admiralty-scale", len(entries(by_namespace["admiralty-scale"])))
    assert list(plain.values()) == shades
