"""Who sees an attribute proposal (``model.access.proposal_visible``)."""

from __future__ import annotations

from threatmesh.model.access import EventFacts, Viewer, proposal_visible


def _viewer(org_id: int, *, admin: bool = False) -> Viewer:
    return Viewer(user_id=1, org_id=org_id, role_id=3, site_admin=admin,
                  sharing_group_ids=frozenset(), perms=frozenset({"perm_add"}))  # fmt: skip


def test_the_event_organisations_and_the_proposer_see_it_no_one_else() -> None:
    # owner org 1, creator org 2 (a synced event), proposal by org 3
    event = EventFacts(org_id=1, orgc_id=2, user_id=9, distribution=3, sharing_group_id=None)
    seen = {org for org in range(1, 6) if proposal_visible(_viewer(org), event, 3)}
    assert seen == {1, 2, 3}
    assert proposal_visible(_viewer(5, admin=True), event, 3)
