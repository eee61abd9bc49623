"""MISP's visibility rules as SQL predicates (the pure rules are in ``model.access``).

Each function returns a boolean SQL expression that filters rows to what ``viewer``
may see, so that access control happens in the database and never after loading.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from threatmesh.model.access import Viewer, sees_deleted
from threatmesh.model.enums import Distribution
from threatmesh.storage.core.tables import events, objects

_OPEN_EVENT = (Distribution.COMMUNITY, Distribution.CONNECTED, Distribution.ALL)
_OPEN_ELEMENT = (*_OPEN_EVENT, Distribution.INHERIT)
# Built once: an alias copies every column of its table, which is most of the cost of
# reading a small event when done per call.
_ACL_OBJ = objects.alias("acl_obj")


#: A site admin: sees everything (the predicates below are then ``true``).
ADMIN_VIEWER = Viewer(0, 0, 0, True, frozenset(), frozenset())
#: A stand-in for "any non-admin viewer" in statements built once and run for many:
#: its organisation and sharing groups are bound at execution with :func:`params`.
BOUND_VIEWER = Viewer(0, -1, 0, False, frozenset(), frozenset())
#: The same for a sync user, who also sees other organisations' deleted content
#: (:func:`threatmesh.model.access.sees_deleted`).
BOUND_SYNC_VIEWER = Viewer(0, -1, 0, False, frozenset(), frozenset({"perm_sync"}))


def _is_bound(viewer: Viewer) -> bool:
    return viewer is BOUND_VIEWER or viewer is BOUND_SYNC_VIEWER


def _group_list(viewer: Viewer) -> list[int]:
    # An empty IN () is legal SQL in SQLAlchemy but -1 keeps plans simple, as MISP does.
    return sorted(viewer.sharing_group_ids) or [-1]


def _sg_ids(viewer: Viewer) -> list[int] | sa.BindParameter[list[int]]:
    if _is_bound(viewer):
        return sa.bindparam("acl_groups", expanding=True)
    return _group_list(viewer)


def _org(viewer: Viewer) -> int | sa.BindParameter[int]:
    return sa.bindparam("acl_org") if _is_bound(viewer) else viewer.org_id


def params(viewer: Viewer) -> dict[str, object]:
    """The execution parameters that make a statement built for :func:`bound`
    ``viewer``'s (none for a site admin)."""
    if viewer.site_admin:
        return {}
    return {"acl_org": viewer.org_id, "acl_groups": _group_list(viewer)}


def bound(viewer: Viewer) -> Viewer:
    """The viewer to build a reusable statement for: :data:`ADMIN_VIEWER`,
    :data:`BOUND_SYNC_VIEWER` or :data:`BOUND_VIEWER` (run it with :func:`params` of
    the real viewer)."""
    if viewer.site_admin:
        return ADMIN_VIEWER
    return BOUND_SYNC_VIEWER if sees_deleted(viewer) else BOUND_VIEWER


def event_visible(
    viewer: Viewer, ev: FromClause = events, *, unpublished_private: bool = False
) -> ColumnElement[bool]:
    """Events whose existence ``viewer`` may see."""
    if viewer.site_admin:
        return sa.true()
    open_dist = ev.c.distribution.in_(_OPEN_EVENT)
    in_group = sa.and_(
        ev.c.distribution == Distribution.SHARING_GROUP,
        ev.c.sharing_group_id.in_(_sg_ids(viewer)),
    )
    shared = sa.or_(open_dist, in_group)
    if unpublished_private:
        shared = sa.and_(ev.c.published.is_(True), shared)
    return sa.or_(ev.c.org_id == _org(viewer), shared)


def element_allows(viewer: Viewer, element: FromClause) -> ColumnElement[bool]:
    """An attribute or object lets a viewer that does not own its event see it: its
    own distribution allows it, and it is not deleted (unless ``viewer`` sees deleted
    content, :func:`threatmesh.model.access.sees_deleted`)."""
    allowed = sa.or_(
        element.c.distribution.in_(_OPEN_ELEMENT),
        sa.and_(
            element.c.distribution == Distribution.SHARING_GROUP,
            element.c.sharing_group_id.in_(_sg_ids(viewer)),
        ),
    )
    if sees_deleted(viewer):
        return allowed
    return sa.and_(element.c.deleted.is_(False), allowed)


def object_visible_in_event(
    viewer: Viewer, obj: FromClause = objects, ev: FromClause = events
) -> ColumnElement[bool]:
    """Objects ``viewer`` may see, given that their event (``ev``) is visible."""
    if viewer.site_admin:
        return sa.true()
    return sa.or_(ev.c.org_id == _org(viewer), element_allows(viewer, obj))


def attribute_visible_in_event(
    viewer: Viewer, attr: FromClause, ev: FromClause = events
) -> ColumnElement[bool]:
    """Attributes ``viewer`` may see, given that their event (``ev``) is visible.

    An attribute inside an object also needs the object to be visible.
    """
    if viewer.site_admin:
        return sa.true()
    obj = _ACL_OBJ
    object_ok = sa.or_(
        attr.c.object_id == 0,
        sa.exists().where(obj.c.id == attr.c.object_id, element_allows(viewer, obj)),
    )
    return sa.or_(ev.c.org_id == _org(viewer), sa.and_(element_allows(viewer, attr), object_ok))


def attribute_visible(
    viewer: Viewer, attr: FromClause, ev: FromClause = events, *, unpublished_private: bool = False
) -> ColumnElement[bool]:
    """Attributes ``viewer`` may see (``ev`` must be joined on ``attr.event_id``)."""
    return sa.and_(
        event_visible(viewer, ev, unpublished_private=unpublished_private),
        attribute_visible_in_event(viewer, attr, ev),
    )
