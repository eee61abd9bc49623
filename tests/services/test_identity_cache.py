"""The API-key cache: kept across writes of intelligence, dropped when identities change."""

from __future__ import annotations

import pytest

from threatmesh.model.errors import Conflict
from threatmesh.services import admin, events
from threatmesh.services.platform import Platform


def _admin(platform: Platform) -> str:
    return admin.bootstrap(platform, org_name="CACHE-ORG", email="admin@cache.test")


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
    user = admin.add_user(platform, who, {"email": "analyst@cache.test"})["User"]
    analyst_key = str(user["authkey"])
    analyst = platform.identify(analyst_key)
    assert analyst is not None and platform.identify(key) is not who  # cache dropped
    admin.delete_user(platform, who, str(user["id"]))
    assert platform.identify(analyst_key) is None  # no stale identity after a delete


def test_a_failed_identity_write_changes_nothing(platform: Platform) -> None:
    key = _admin(platform)
    who = platform.identify(key)
    assert who is not None
    with pytest.raises(Conflict):
        admin.add_user(platform, who, {"email": "admin@cache.test"})  # exists: refused
    assert platform.identify(key) is who
