"""A user may only place data in sharing groups its organisation belongs to, on every
write path (event add, attribute add and edit, object add)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support import site_admin
from threatmesh.model.errors import InvalidInput
from threatmesh.services.admin import organisations, sharing_groups, users
from threatmesh.services.events import attributes, events, objects
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.core.tables import attributes as attributes_table


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[Platform, Identity, int, str]]:
    """A site admin's private sharing group, and an analyst of another org with an event."""
    platform = Platform(engine=create_engine(db_url))
    root = site_admin(platform, "ROOT", "root@root.test")
    group = sharing_groups.add(platform, root, {"name": "root only"})
    org = organisations.add_org(platform, root, {"name": "BANK"})
    key = users.add_user(platform, root, {"email": "a@bank.test", "org_id": org["id"]})["User"][
        "authkey"
    ]
    analyst = platform.identify(key)
    assert analyst is not None
    event = events.add_event(
        platform, analyst, {"info": "mine", "Attribute": [{"type": "domain", "value": "a.example"}]}
    )
    yield platform, analyst, int(group["SharingGroup"]["id"]), event["id"]
    platform.engine.dispose()


def _in_group(sg: int, **extra: Any) -> dict[str, Any]:
    return {"distribution": 4, "sharing_group_id": sg, **extra}


def _domain_object(sg: int, *, on_object: bool) -> dict[str, Any]:
    """A domain-ip object placed in group ``sg`` itself, or holding an attribute that is."""
    attribute = {"type": "domain", "object_relation": "domain", "value": "c.example"}
    if on_object:
        return {"name": "domain-ip", **_in_group(sg), "Attribute": [attribute]}
    return {"name": "domain-ip", "Attribute": [{**attribute, **_in_group(sg)}]}


def test_no_path_lets_a_non_member_use_a_group(setup: tuple[Platform, Identity, int, str]) -> None:
    platform, analyst, sg, event_id = setup
    with platform.read() as conn:
        before = conn.execute(sa.select(attributes_table)).all()
    attempts = [
        lambda: events.add_event(platform, analyst, {"info": "x", **_in_group(sg)}),
        lambda: attributes.add_attributes(
            platform, analyst, event_id, _in_group(sg, type="domain", value="b.example")
        ),
        lambda: attributes.edit_attribute(platform, analyst, str(before[0].id), _in_group(sg)),
        lambda: objects.add_object(platform, analyst, event_id, _domain_object(sg, on_object=True)),
        lambda: objects.add_object(
            platform, analyst, event_id, _domain_object(sg, on_object=False)
        ),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput, match="not yours to use"):
            attempt()
    with platform.read() as conn:
        assert conn.execute(sa.select(attributes_table)).all() == before
