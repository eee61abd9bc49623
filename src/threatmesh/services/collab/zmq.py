"""``events/pushEventToZMQ`` and ``communities/*``: MISP's ZeroMQ push and its list of
known communities, over what this instance has instead.

MISP publishes the whole event on its ZeroMQ ``misp_json`` topic; here the same
notification goes through the outbox to the event bus and the live stream
(``threatmesh.services.stream``), which carry MISP's topics.
"""

from __future__ import annotations

from typing import Any

from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.model.library.communities import community, community_list
from threatmesh.services.collab.common import require_site_admin
from threatmesh.services.events.access import get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.stream import notify

PUSHED = "Event published to ZMQ"


def push_event(platform: Platform, who: Identity, ref: str) -> int:
    """Publish the event (id or UUID, ``.json`` suffix allowed) on the bus as
    ``misp_json``; its id."""
    require_site_admin(who)
    ref = ref.removesuffix(".json")
    with platform.write() as conn:
        row = get_visible(platform, conn, who, ref)
        notify.published(conn, int(row["id"]))
        return int(row["id"])


def communities(who: Identity, context: str, value: str | None) -> list[dict[str, Any]]:
    """``communities/index``: MISP's vetted communities (``context:all``... the others)."""
    require_site_admin(who)
    if context not in ("vetted", "unvetted", "all"):
        raise InvalidInput(f"context: {context!r} is not one of vetted, unvetted, all")
    kinds = ("vetted", "unvetted") if context == "all" else (context,)
    return [c.as_misp() for k in kinds for c in community_list(k, value)]


def one_community(who: Identity, ref: str) -> dict[str, Any]:
    """``communities/view``: one community by id or UUID."""
    require_site_admin(who)
    found = community(ref)
    if found is None:
        raise NotFound("Invalid community.")
    return {"Community": found.as_misp()}
