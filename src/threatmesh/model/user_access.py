"""Who may see and manage which user account, as one pure rule.

MISP spreads this rule over ``UsersController::__adminFetchConditions`` (an org admin
reaches the users of its own organisation, and may not edit or delete a site admin),
``UsersController::admin_add``/``admin_edit`` (an org admin may not hand out the site
admin, sync or regexp roles) and ``AuthKeysController::__canCreateAuthKeyForUser`` (an
org admin creates keys only for itself and for users whose role is neither site admin
nor org admin). threatmesh states it once, here, for every path that acts on another
user (view, add, delete, new API key):

- a site admin may do anything to anyone;
- anyone may see themselves and create keys for themselves (with ``perm_auth``);
- an org admin (``perm_admin``) sees the users of its own organisation, and manages
  (adds, deletes) those whose role is *not above its own*: every permission flag of the
  target's role is also set on the org admin's role. That is MISP's list of roles an
  org admin may not hand out (site admin, sync, regexp access) stated as a property, so
  a custom role cannot slip past it;
- an API key lets its holder act as the user, so an org admin creates keys only for
  users it manages that are not org admins themselves (MISP's rule) and have
  ``perm_auth``.

Two deliberate differences from MISP, both stricter: an org admin does not manage its
organisation's sync users (their role has ``perm_sync``, which an org admin lacks; MISP
lets it delete them and create their keys, which hands it the sync permission), and it
is refused keys for a user of *another* organisation (MISP's
``__canCreateAuthKeyForUser`` forgets to compare organisations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from threatmesh.model.access import Viewer


class UserAction(Enum):
    """What an actor wants to do to a user account."""

    #: read the account (``users/view``, ``admin/users/index``)
    VIEW = "view"
    #: create it with a role, or delete it (``admin/users/add``, ``admin/users/delete``)
    MANAGE = "manage"
    #: create an API key for it, i.e. be able to act as it (``auth_keys/add``)
    ISSUE_KEY = "issue_key"


@dataclass(frozen=True, slots=True)
class UserFacts:
    """The facts about a target account that the rule depends on."""

    #: None for an account that does not exist yet (``admin/users/add``)
    user_id: int | None
    org_id: int
    #: the permission flags set on the account's role
    perms: frozenset[str]


def role_within(perms: Iterable[str], ceiling: Iterable[str]) -> bool:
    """Whether a role with flags ``perms`` is not above one with flags ``ceiling``:
    it has no permission the other lacks."""
    return frozenset(perms) <= frozenset(ceiling)


def _administers(actor: Viewer, target: UserFacts) -> bool:
    return (
        actor.can("perm_admin")
        and target.org_id == actor.org_id
        and role_within(target.perms, actor.perms)
    )


def may_manage_user(actor: Viewer, target: UserFacts, action: UserAction) -> bool:
    """Whether ``actor`` may do ``action`` to the account ``target``.

    Whatever an actor may manage or create keys for, it may also see (so a refusal of a
    visible user is a 403 and of an invisible one a 404, never the other way round)."""
    if actor.site_admin:
        return True
    own = target.user_id is not None and target.user_id == actor.user_id
    if action is UserAction.VIEW:
        return own or (actor.can("perm_admin") and target.org_id == actor.org_id)
    if action is UserAction.MANAGE:
        return _administers(actor, target)
    if not actor.can("perm_auth"):
        return False
    return own or (
        _administers(actor, target)
        and "perm_admin" not in target.perms
        and "perm_auth" in target.perms
    )
