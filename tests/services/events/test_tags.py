"""Tags that writes create are unrestricted, as MISP's ``Tag::captureTag`` makes them.

MISP's ``tags.org_id`` and ``tags.user_id`` restrict a tag to one organisation or one
user (0: anyone may use it); they do not record who made the tag. A tag restricted to
an organisation keeps that organisation from being deleted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import site_admin
from threatmesh.services.admin import organisations, users
from threatmesh.services.events import attributes, events, objects, tags
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import create_engine

World = tuple[Platform, Identity, Identity, str]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A site admin, and an analyst of another organisation (BANK)."""
    platform = Platform(engine=create_engine(db_url))
    root = site_admin(platform, "ROOT", "root@root.test")
    org = organisations.add_org(platform, root, {"name": "BANK"})
    user = users.add_user(platform, root, {"email": "a@bank.test", "org_id": org["id"]})
    analyst = platform.identify(user["User"]["authkey"])
    assert analyst is not None
    yield platform, root, analyst, org["id"]
    platform.engine.dispose()


def _tag_everything(platform: Platform, root: Identity, analyst: Identity) -> str:
    """New tags through every write that creates tags; the event's id."""
    event = events.add_event(
        platform,
        analyst,
        {
            "info": "tagged",
            "Tag": [{"name": "on-add"}],
            "Attribute": [{"type": "domain", "value": "a.example", "Tag": [{"name": "attr-add"}]}],
        },
    )
    added = attributes.add_attributes(
        platform,
        analyst,
        event["id"],
        {"type": "domain", "value": "b.example", "Tag": [{"name": "attr-later"}]},
    )
    objects.add_object(
        platform,
        analyst,
        event["id"],
        {
            "name": "domain-ip",
            "Attribute": [
                {
                    "type": "domain",
                    "object_relation": "domain",
                    "value": "c.example",
                    "Tag": [{"name": "in-object"}],
                }
            ],
        },
    )
    events.edit_event(
        platform, analyst, event["id"], {"info": "tagged", "Tag": [{"name": "on-edit"}]}
    )
    first = added.attributes[0]["uuid"]
    tags.attach_tag(platform, analyst, first, "attached", local=False, attach=True)
    tags.add_tag(platform, root, {"name": "by-tags-add"})
    return str(event["id"])


def test_new_tags_are_restricted_to_no_one(world: World) -> None:
    platform, root, analyst, _ = world
    event_id = _tag_everything(platform, root, analyst)
    listed = {t["name"]: t["user_id"] for t in tags.list_tags(platform, root)}
    assert listed == dict.fromkeys(
        ["on-add", "attr-add", "attr-later", "in-object", "on-edit", "attached", "by-tags-add"],
        "0",
    )
    viewed = events.view_event(platform, analyst, event_id)
    assert {t["user_id"] for t in viewed["Tag"]} == {"0"}


def test_the_tags_an_organisation_brought_do_not_keep_it(world: World) -> None:
    platform, root, analyst, org_id = world
    event_id = _tag_everything(platform, root, analyst)
    events.delete_event(platform, root, event_id)
    users.delete_user(platform, root, str(analyst.viewer.user_id))
    organisations.delete_org(platform, root, str(org_id))
    assert str(org_id) not in {
        o["Organisation"]["id"] for o in organisations.list_orgs(platform, root)
    }
