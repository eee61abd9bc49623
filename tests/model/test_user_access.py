"""The rule of who may see and manage which user (issue 14, item 1: an org admin of the
site admin's organisation could create a key for the site admin and act as one).

A table over MISP's six default roles, then Hypothesis over arbitrary roles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threatmesh.model.access import Viewer, viewer_from_role
from threatmesh.model.roles import DEFAULT_ROLES, PERMISSIONS
from threatmesh.model.user_access import UserAction, UserFacts, may_manage_user, role_within

PERMS = {r.id: frozenset(k for k, v in r.permissions().items() if v) for r in DEFAULT_ROLES}
SITE_ADMIN, ORG_ADMIN, USER, PUBLISHER, SYNC, READ_ONLY = 1, 2, 3, 4, 5, 6
V, M, K = UserAction.VIEW, UserAction.MANAGE, UserAction.ISSUE_KEY


def viewer(role_id: int, *, user_id: int = 100, org_id: int = 1) -> Viewer:
    return viewer_from_role(
        user_id=user_id,
        org_id=org_id,
        role_id=role_id,
        role_perms={p: p in PERMS[role_id] for p in PERMISSIONS},
        sharing_group_ids=(),
    )


def target(role_id: int, *, user_id: int = 200, org_id: int = 1) -> UserFacts:
    return UserFacts(user_id=user_id, org_id=org_id, perms=PERMS[role_id])


def allowed(actor: Viewer, facts: UserFacts) -> set[UserAction]:
    return {a for a in UserAction if may_manage_user(actor, facts, a)}


# What an org admin may do to another user of its own organisation, by the target's role.
ORG_ADMIN_ON_SAME_ORG = {
    SITE_ADMIN: {V},  # the hole of issue 14: no key, no delete
    ORG_ADMIN: {V, M},  # a peer: MISP lets it edit/delete, never act as it
    USER: {V, M, K},
    PUBLISHER: {V, M, K},
    SYNC: {V},  # perm_sync is above an org admin
    READ_ONLY: {V, M, K},
}


@pytest.mark.parametrize(("role_id", "expected"), sorted(ORG_ADMIN_ON_SAME_ORG.items()))
def test_issue14_org_admin_on_users_of_its_organisation(
    role_id: int, expected: set[UserAction]
) -> None:
    assert allowed(viewer(ORG_ADMIN), target(role_id)) == expected


@pytest.mark.parametrize("role_id", sorted(PERMS))
def test_org_admin_reaches_nobody_in_another_organisation(role_id: int) -> None:
    assert allowed(viewer(ORG_ADMIN), target(role_id, org_id=2)) == set()


@pytest.mark.parametrize("role_id", sorted(PERMS))
def test_site_admin_may_do_anything_to_anyone(role_id: int) -> None:
    assert allowed(viewer(SITE_ADMIN), target(role_id, org_id=7)) == {V, M, K}


@pytest.mark.parametrize("actor", [USER, PUBLISHER, SYNC, READ_ONLY])
def test_users_without_admin_rights_reach_only_themselves(actor: int) -> None:
    assert allowed(viewer(actor), target(USER)) == set()
    assert allowed(viewer(actor), target(actor, user_id=100)) == {V, K}


def test_org_admin_manages_and_keys_itself() -> None:
    assert allowed(viewer(ORG_ADMIN), target(ORG_ADMIN, user_id=100)) == {V, M, K}


def test_a_new_user_is_added_only_below_the_adder() -> None:
    new = {r: UserFacts(user_id=None, org_id=1, perms=PERMS[r]) for r in PERMS}
    addable = {r for r, facts in new.items() if may_manage_user(viewer(ORG_ADMIN), facts, M)}
    # MISP's admin_add: not the site admin, sync or regexp roles.
    assert addable == {ORG_ADMIN, USER, PUBLISHER, READ_ONLY}
    assert not may_manage_user(viewer(ORG_ADMIN), UserFacts(None, 2, PERMS[USER]), M)


perm_sets = st.frozensets(st.sampled_from(PERMISSIONS))
facts = st.builds(
    UserFacts, user_id=st.none() | st.integers(1, 4), org_id=st.integers(1, 3), perms=perm_sets
)
actors = st.builds(
    lambda uid, org, perms: viewer_from_role(
        user_id=uid,
        org_id=org,
        role_id=9,
        role_perms={p: p in perms for p in PERMISSIONS},
        sharing_group_ids=(),
    ),
    st.integers(1, 4),
    st.integers(1, 3),
    perm_sets,
)


@given(actors, facts)
def test_what_one_may_manage_one_may_see(actor: Viewer, t: UserFacts) -> None:
    """So a refused user one may see is a 403, and one may not see a 404."""
    if t.user_id is None:
        return  # a user still to be created is not seen, only added
    for action in (M, K):
        if may_manage_user(actor, t, action):
            assert may_manage_user(actor, t, V)


@given(actors, facts, st.sampled_from([M, K]))
def test_no_one_gains_a_permission_through_another_user(
    actor: Viewer, t: UserFacts, action: UserAction
) -> None:
    """Managing a user (giving it a role, or a key to act as it) never hands out a
    permission the actor's role lacks, and never crosses organisations."""
    if actor.site_admin or t.user_id == actor.user_id:
        return
    if may_manage_user(actor, t, action):
        assert role_within(t.perms, actor.perms)
        assert t.org_id == actor.org_id
        assert "perm_admin" in actor.perms
    if action is K and may_manage_user(actor, t, K):
        assert "perm_admin" not in t.perms  # never act as another admin


@given(actors, facts)
def test_only_site_admins_reach_site_admins_of_other_orgs_or_make_them(
    actor: Viewer, t: UserFacts
) -> None:
    if "perm_site_admin" in t.perms and t.user_id != actor.user_id:
        for action in (M, K):
            assert may_manage_user(actor, t, action) == actor.site_admin
