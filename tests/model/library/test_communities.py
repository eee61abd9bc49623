"""MISP's list of sharing communities (``communities/index`` and ``view``)."""

from __future__ import annotations

from threatmesh.model.library.communities import community, community_list, load_communities


def test_communities_are_numbered_in_file_order() -> None:
    items = load_communities().items
    assert len(items) == 15
    assert [c.id for c in items] == list(range(1, 16))
    assert items[0].name == "CIRCL Private Sector Information Sharing Community - aka MISPPRIV"


def test_vetted_and_unvetted() -> None:
    assert len(community_list("vetted")) == 11
    assert len(community_list("unvetted")) == 4


def test_search_is_case_insensitive_over_misp_fields() -> None:
    found = community_list("vetted", "circl")
    assert found and all("circl" in str(c.fields).lower() for c in found)
    assert community_list("vetted", "no such community anywhere") == []


def test_view_by_id_or_uuid() -> None:
    first = community(1)
    assert first is not None and first.uuid == "3ab3a65a-0171-401a-9895-8d42bc7bed7c"
    assert community("3ab3a65a-0171-401a-9895-8d42bc7bed7c") == first
    assert community("16") is None and community("nope") is None


def test_misp_answer_shape() -> None:
    first = community(1)
    assert first is not None
    answer = first.as_misp()
    assert answer["id"] == 1
    assert answer["Org"] == {"uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f", "name": "CIRCL"}
    assert answer["misp_project_vetted"] is True
