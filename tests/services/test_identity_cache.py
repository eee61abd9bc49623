"""The API-key cache: kept across writes of intelligence, dropped when identities change."""

from __future__ import annotations

import pytest

from threatmesh.model.errors import Conflict
from threatmesh.services.admin import organisations, setup, sharing_groups, users
from threatmesh.services.events import events
from threatmesh.services.platform import Platform
from threatmesh.services.uma import resources as uma


def _admin(platform: Platform) -> str:
    return setup.bootstrap(platform, org_name="CACHE-ORG", email="admin@cache.test")


def test_event_writes_keep_cached_identities(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    events.add_event(
        platform, who, {"info": "x", "Attribute": [{"type": "ip-dst", "value": "198.51.100.1"}]}
    )
    assert platform.identify(key) is who  # the same cached object: no new lookup


def test_identity_writes_apply_at_once(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    user = users.add_user(platform, who, {"email": "analyst@cache.test"})["User"]
    analyst_key = str(user["authkey"])
    analyst = platform.identify(analyst_key)
    assert analyst is not None and platform.identify(key) is not who  # cache dropped
    users.delete_user(platform, who, str(user["id"]))
    assert platform.identify(analyst_key) is None  # no stale identity after a delete


def test_a_failed_identity_write_changes_nothing(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    with pytest.raises(Conflict):
        users.add_user(platform, who, {"email": "admin@cache.test"})  # exists: refused
    assert platform.identify(key) is who


def test_directory_facts_are_cached_like_identities(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert platform.directory_fact(("fact", 1), load) == 1
    assert platform.directory_fact(("fact", 1), load) == 1  # cached
    assert platform.directory_fact(("fact", 2), load) == 2  # keyed
    events.add_event(platform, who, {"info": "x"})
    assert platform.directory_fact(("fact", 1), load) == 1  # kept across intelligence writes
    organisations.edit_org(platform, who, str(who.viewer.org_id), {"sector": "energy"})
    assert platform.directory_fact(("fact", 1), load) == 3  # dropped by an identity write
    platform.auth_cache_seconds = 0.0
    assert platform.directory_fact(("fact", 1), load) == 4  # and never older than the TTL


def test_the_owners_sharing_groups_follow_a_local_write_at_once(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    org_id = who.viewer.org_id
    with platform.read() as conn:
        before = uma.owner_viewer(platform, conn, org_id).sharing_group_ids
    group = sharing_groups.add(platform, who, {"name": "owner's group"})["SharingGroup"]
    # A new group has no member (as in MISP): the owner joins it, a local write.
    member = {"sg_id": group["id"], "org_id": str(org_id)}
    sharing_groups.set_member(platform, who, member, kind="org", add=True)
    with platform.read() as conn:
        after = uma.owner_viewer(platform, conn, org_id).sharing_group_ids
    assert after == before | {int(group["id"])}
