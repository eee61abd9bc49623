"""Hypothesis: what A -> B (push) -> C (pull) delivers is exactly what MISP's rules allow.

The reference below restates the rules on plain data (no threatmesh code): MISP's
``__updateEventForSync`` / ``checkIfServerInSG`` for the push, its access rules for
what B serves C's sync user (a user of B's community: distribution 1 included),
``__updatePulledEventBeforeInsert`` (1 becomes 0) and ``__checkIfEventSaveAble`` (no
empty event) for the pull.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.services.sync.federation import Federation, federation
from tests.support import database_url


@dataclass(frozen=True)
class Group:
    """A sharing group on A: member organisations (A always), whether B's server is
    listed (and with all organisations), whether it roams."""

    members: frozenset[str]
    listed: bool
    all_orgs: bool
    roaming: bool


def push_reaches_b(g: Group) -> bool:
    """checkIfServerInSG for server B (remote organisation B)."""
    if g.listed:
        return g.all_orgs or "B" in g.members
    return g.roaming and "B" in g.members


def c_reads_on_b(g: Group) -> bool:
    """On B the group keeps its members; B's own entry becomes "this instance"."""
    return "C" in g.members or (g.listed and g.all_orgs)


@dataclass(frozen=True)
class Spec:
    published: bool
    distribution: int
    group: int
    attributes: tuple[tuple[int, int], ...]  # (distribution, group index)


def on_b(spec: Spec, groups: list[Group]) -> tuple[int, dict[int, int]] | None:
    """(event distribution, {attribute index: distribution}) on B, or None."""
    d = spec.distribution
    if not spec.published or d in (0, 1) or (d == 4 and not push_reaches_b(groups[spec.group])):
        return None
    kept = {}
    for i, (ad, ag) in enumerate(spec.attributes):
        if ad in (2, 3, 5) or (ad == 4 and push_reaches_b(groups[ag])):
            kept[i] = 1 if ad == 2 else ad
    return (1 if d == 2 else d), kept


def on_c(spec: Spec, groups: list[Group]) -> tuple[int, dict[int, int]] | None:
    """What C pulls from B, or None: C's sync user is served what a user of C's
    organisation sees on B, and C keeps "this community" (1) as "your organisation" (0)."""
    at_b = on_b(spec, groups)
    if at_b is None:
        return None
    d, attrs = at_b
    if d == 4 and not c_reads_on_b(groups[spec.group]):
        return None
    kept = {
        i: 0 if ad == 1 else ad
        for i, ad in attrs.items()
        if ad in (1, 3, 5) or (ad == 4 and c_reads_on_b(groups[spec.attributes[i][1]]))
    }
    return (0 if d == 1 else d, kept) if kept else None  # a pull stores no empty event


GROUPS = [
    Group(frozenset({"A", *extra}), listed, all_orgs, roaming)
    for extra, listed, all_orgs, roaming in itertools.product(
        [(), ("B",), ("C",), ("B", "C")], [False, True], [False, True], [False, True]
    )
    if listed or not all_orgs
]


@dataclass
class World:
    fed: Federation
    group_ids: list[str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("sync-rules")
    with ExitStack() as stack:
        urls = tuple(stack.enter_context(database_url(request.param, tmp / name)) for name in "abc")
        fed = stack.enter_context(federation(urls, tmp))  # type: ignore[arg-type]
        a = fed.a
        a.call("POST", "/admin/organisations/add", {"name": "ORG-C", "uuid": fed.c.org_uuid})
        uuids = {"A": fed.a.org_uuid, "B": fed.b.org_uuid, "C": fed.c.org_uuid}
        ids = []
        for n, g in enumerate(GROUPS):
            sg = a.call("POST", "/sharing_groups/add", {"name": f"g{n}", "roaming": g.roaming})
            sg_id = sg["SharingGroup"]["id"]
            # The creator's organisation first (a new group has no member, as in MISP).
            for org in ["A", *sorted(g.members - {"A"})]:
                a.call("POST", "/sharingGroups/addOrg", {"sg_id": sg_id, "org_id": uuids[org]})
            if g.listed:
                a.call(
                    "POST",
                    "/sharingGroups/addServer",
                    {"sg_id": sg_id, "server_id": fed.a_to_b, "all_orgs": g.all_orgs},
                )
            ids.append(str(sg_id))
        yield World(fed, ids)


specs = st.builds(
    Spec,
    published=st.booleans(),
    distribution=st.integers(0, 4),
    group=st.integers(0, len(GROUPS) - 1),
    attributes=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, len(GROUPS) - 1)), min_size=1, max_size=4
    ).map(tuple),
)


def _observed(event: dict | None, uuids: list[str]) -> tuple[int, dict[int, int]] | None:  # type: ignore[type-arg]
    if event is None:
        return None
    dist = {a["uuid"]: int(a["distribution"]) for a in event["Attribute"]}
    return int(event["distribution"]), {i: dist[u] for i, u in enumerate(uuids) if u in dist}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=st.lists(specs, min_size=1, max_size=3))
def test_what_arrives_is_what_misp_rules_allow(world: World, spec: list[Spec]) -> None:
    fed, made = world.fed, []
    for s in spec:
        uuids = [str(uuid.uuid4()) for _ in s.attributes]
        body = {
            "info": "hypothesis",
            "distribution": s.distribution,
            "sharing_group_id": world.group_ids[s.group] if s.distribution == 4 else 0,
            "published": s.published,
            "Attribute": [
                {
                    "uuid": u,
                    "type": "domain",
                    "value": f"{u}.example",
                    "distribution": ad,
                    "sharing_group_id": world.group_ids[ag] if ad == 4 else 0,
                }
                for u, (ad, ag) in zip(uuids, s.attributes, strict=True)
            ],
        }
        event = fed.a.call("POST", "/events/add", body)["Event"]
        made.append((s, event["uuid"], uuids))
    fed.sync()
    for s, event_uuid, uuids in made:
        assert _observed(fed.b.event(event_uuid), uuids) == on_b(s, GROUPS), ("B", s)
        assert _observed(fed.c.event(event_uuid), uuids) == on_c(s, GROUPS), ("C", s)
