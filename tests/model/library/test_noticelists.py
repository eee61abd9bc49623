"""MISP's noticelists (the vendored GDPR list) and the notices an attribute triggers."""

from __future__ import annotations

from threatmesh.model.library.noticelists import load_noticelists, notices_for_attribute


def test_gdpr_list() -> None:
    (gdpr,) = load_noticelists().items
    assert (gdpr.name, gdpr.expanded_name, gdpr.version) == (
        "gdpr",
        "General Data Protection Regulation",
        1,
    )
    assert gdpr.ref == ("http://eur-lex.europa.eu/legal-content/en/TXT/?uri=CELEX:32016R0679",)
    assert gdpr.geographical_area == ("EU",)
    assert len(gdpr.entries) == 7
    assert gdpr.entries[0]["scope"] == ["attribute"]
    assert "en" in gdpr.entries[0]["message"]


def test_notices_by_category_and_type() -> None:
    (gdpr,) = load_noticelists().items
    notices = notices_for_attribute([(1, gdpr)], category="Targeting data", attribute_type="ip-src")
    assert [(n.list_id, n.list_name, n.field, n.value) for n in notices] == [
        (1, "gdpr", "category", "Targeting data")
    ]
    assert notices[0].message["en"].startswith("This attribute is likely to contain personal data")
    both = notices_for_attribute([(1, gdpr)], category="Other", attribute_type="text")
    assert [(n.field, n.value) for n in both] == [("category", "Other"), ("type", "text")]


def test_no_enabled_list_no_notice() -> None:
    assert notices_for_attribute([], category="Person", attribute_type="first-name") == []
