"""Access control end to end: every read returns exactly what MISP's rules allow.

Random worlds of organisations, sharing groups and events (with random distributions
on events, objects and attributes, values shared across events so that they
correlate, and soft-deleted attributes and objects) are written through the REST API
of a live server; then, for every user, ``events/view``, ``events/index``,
``events/restSearch``, ``attributes/restSearch`` (with correlations) and
``attributes/view``, with and without MISP's ``deleted`` filter, are compared with
:mod:`tests.services.events.acl_oracle`, which applies the pure rules of
:mod:`threatmesh.model.access`. Any difference is a leak or a missing item.
Example-based tests at the end pin the trickiest rules by hand.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.services.events.acl_oracle import (
    AttributeFacts,
    EventView,
    EventWorld,
    ObjectFacts,
    Oracle,
    World,
)
from tests.support import LiveServer, live_server
from threatmesh.model import access
from threatmesh.model.enums import Distribution
from threatmesh.model.roles import SITE_ADMIN_ROLE_ID, USER_ROLE_ID
from threatmesh.model.validation.values import normalize_value

SG = int(Distribution.SHARING_GROUP)
EVENT_LEVELS = (0, 1, 2, 3)
ELEMENT_LEVELS = (0, 1, 2, 3, 5)
ORG_COUNT = 3  # organisations with a plain user, besides the site admin's

# (type, value) of top-level attributes. Values repeat across types and events so that
# exact and CIDR correlations happen; "comment" never correlates; the port of
# ip-dst|port must not correlate; domain|ip correlates on both halves.
ATTRIBUTE_POOL = (
    ("ip-src", "10.0.0.1"),
    ("ip-dst", "10.0.0.1"),
    ("ip-dst", "10.0.0.2"),
    ("ip-src", "10.0.0.0/24"),
    ("ip-src", "192.0.2.7"),
    ("ip-dst|port", "10.0.0.2|443"),
    ("domain", "evil.example"),
    ("hostname", "evil.example"),
    ("domain|ip", "evil.example|10.0.0.1"),
    ("comment", "evil.example"),
)
# (object_relation, type, value) of attributes of a domain-ip object.
OBJECT_POOL = (
    ("domain", "domain", "evil.example"),
    ("domain", "domain", "good.example"),
    ("ip", "ip-dst", "10.0.0.1"),
    ("ip", "ip-dst", "10.0.0.0/24"),
)
# Values searched for with restSearch (no CIDR: MISP expands those, a separate feature).
SEARCH_VALUES = ("10.0.0.1", "10.0.0.2", "evil.example", "good.example")

_names = itertools.count()


# --- the live server and its users ----------------------------------------------------


class Api:
    """A MISP REST client for one API key."""

    def __init__(self, url: str, key: str) -> None:
        headers = {"Authorization": key, "Accept": "application/json"}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=60)

    def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """The raw answer (for status checks)."""
        return self.http.request(method, path, json=body)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer of a request that must succeed."""
        r = self.request(method, path, body)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()


@dataclass
class Member:
    """A user the test acts as, with the facts the rules need about it."""

    label: str
    org_id: int
    user_id: int
    site_admin: bool
    api: Api

    def viewer(self, groups: Sequence[access.SharingGroupFacts]) -> access.Viewer:
        """The user as :mod:`threatmesh.model.access` sees it, given the groups."""
        sg_ids = access.authorized_sharing_groups(self.org_id, groups, site_admin=self.site_admin)
        role = SITE_ADMIN_ROLE_ID if self.site_admin else USER_ROLE_ID
        # Permissions play no part in what one may read, so none are listed.
        return access.Viewer(self.user_id, self.org_id, role, self.site_admin, sg_ids, frozenset())


@dataclass
class Cast:
    """The site admin (``members[0]``) and one plain user per organisation."""

    server: LiveServer
    members: list[Member]

    @property
    def admin(self) -> Member:
        """The site admin, who creates groups and cleans up."""
        return self.members[0]


def _add_member(admin: Api, url: str, n: int) -> Member:
    org = admin.call("POST", "admin/organisations/add", {"name": f"ORG-{n}"})["Organisation"]
    user = admin.call(
        "POST",
        "admin/users/add",
        {"email": f"user@org{n}.test", "org_id": org["id"], "role_id": USER_ROLE_ID},
    )["User"]
    return Member(
        f"user of ORG-{n}", int(org["id"]), int(user["id"]), False, Api(url, user["authkey"])
    )


@pytest.fixture
def cast(db_url: str, tmp_path: Path) -> Iterator[Cast]:
    """A live server (SQLite and PostgreSQL) with its users. The correlation cap is
    raised so that over-correlation (a separate rule) never hides a match here."""
    with live_server(db_url, tmp_path, correlation_cap=10_000) as server:
        admin_api = Api(server.url, server.admin_key)
        me = admin_api.call("GET", "users/view/me")["User"]
        members = [Member("site admin", int(me["org_id"]), int(me["id"]), True, admin_api)]
        members += [_add_member(admin_api, server.url, n) for n in range(1, ORG_COUNT + 1)]
        try:
            yield Cast(server, members)
        finally:
            for m in members:
                m.api.http.close()


# --- random worlds --------------------------------------------------------------------


@dataclass(frozen=True)
class GroupPlan:
    """A sharing group by member index (0 is the admin org, which creates every group)."""

    members: frozenset[int]
    all_local_orgs: bool


@dataclass(frozen=True)
class AttributePlan:
    type: str
    value: str
    distribution: int
    group: int | None  # index into the world's groups when distribution is 4
    relation: str | None = None
    deleted: bool = False
    disable_correlation: bool = False


@dataclass(frozen=True)
class ObjectPlan:
    distribution: int
    group: int | None
    attributes: tuple[AttributePlan, ...]
    deleted: bool = False


@dataclass(frozen=True)
class EventPlan:
    creator: int  # member index
    distribution: int
    group: int | None
    published: bool
    disable_correlation: bool
    attributes: tuple[AttributePlan, ...]
    objects: tuple[ObjectPlan, ...]


@dataclass(frozen=True)
class WorldPlan:
    groups: tuple[GroupPlan, ...]
    events: tuple[EventPlan, ...]
    unpublished_private: bool
    search_value: str


def rarely() -> st.SearchStrategy[bool]:
    """True about one time in six (deleted or non-correlating content is the exception)."""
    return st.integers(0, 5).map(lambda n: n == 5)


def usable_groups(groups: Sequence[GroupPlan], creator: int) -> list[int]:
    """Groups ``creator`` may put content in: the server refuses groups a non-admin's
    organisation cannot read (site admins may use any)."""
    return [
        i for i, g in enumerate(groups) if creator == 0 or creator in g.members or g.all_local_orgs
    ]


@st.composite
def distributions(
    draw: st.DrawFn, levels: Sequence[int], usable: Sequence[int]
) -> tuple[int, int | None]:
    """A distribution level and, for level 4, the index of a usable sharing group."""
    level = draw(st.sampled_from([*levels, SG] if usable else list(levels)))
    return level, (draw(st.sampled_from(usable)) if level == SG else None)


@st.composite
def attribute_plans(draw: st.DrawFn, usable: Sequence[int], in_object: bool) -> AttributePlan:
    if in_object:
        relation, type_, value = draw(st.sampled_from(OBJECT_POOL))
    else:
        relation, (type_, value) = None, draw(st.sampled_from(ATTRIBUTE_POOL))
    level, group = draw(distributions(ELEMENT_LEVELS, usable))
    return AttributePlan(type_, value, level, group, relation, draw(rarely()), draw(rarely()))


@st.composite
def object_plans(draw: st.DrawFn, usable: Sequence[int]) -> ObjectPlan:
    level, group = draw(distributions(ELEMENT_LEVELS, usable))
    attrs = draw(st.lists(attribute_plans(usable, True), min_size=1, max_size=2))
    return ObjectPlan(level, group, tuple(attrs), draw(rarely()))


@st.composite
def event_plans(draw: st.DrawFn, groups: Sequence[GroupPlan]) -> EventPlan:
    creator = draw(st.integers(0, ORG_COUNT))
    usable = usable_groups(groups, creator)
    level, group = draw(distributions(EVENT_LEVELS, usable))
    attrs = draw(st.lists(attribute_plans(usable, False), max_size=4))
    objs = draw(st.lists(object_plans(usable), max_size=1))
    return EventPlan(
        creator, level, group, draw(st.booleans()), draw(rarely()), tuple(attrs), tuple(objs)
    )


@st.composite
def world_plans(draw: st.DrawFn) -> WorldPlan:
    member_sets = st.frozensets(st.integers(0, ORG_COUNT), max_size=ORG_COUNT + 1)
    groups = tuple(draw(st.lists(st.builds(GroupPlan, member_sets, rarely()), max_size=2)))
    events = tuple(draw(st.lists(event_plans(groups), min_size=2, max_size=5)))
    return WorldPlan(groups, events, draw(st.booleans()), draw(st.sampled_from(SEARCH_VALUES)))


# --- writing a world through the API --------------------------------------------------


@dataclass
class Built:
    """What a plan became on the server (kept for the clean-up)."""

    group_ids: list[int] = field(default_factory=list)
    group_facts: list[access.SharingGroupFacts] = field(default_factory=list)
    events: list[EventWorld] = field(default_factory=list)


def create_group(cast: Cast, plan: GroupPlan) -> access.SharingGroupFacts:
    """Create a group as the site admin and set its members as planned."""
    api = cast.admin.api
    sg = api.call("POST", "sharingGroups/add", {"name": f"sg-{next(_names)}"})["SharingGroup"]
    sg_id = int(sg["id"])
    # A new group has no member organisation (MISP's API adds none, not even the creator's).
    for i in sorted(plan.members):
        api.call("POST", "sharingGroups/addOrg", {"sg_id": sg_id, "org_id": cast.members[i].org_id})
    if plan.all_local_orgs:
        api.call(
            "POST", "sharingGroups/addServer", {"sg_id": sg_id, "server_id": 0, "all_orgs": True}
        )
    orgs = frozenset(cast.members[i].org_id for i in plan.members)
    return access.SharingGroupFacts(sg_id, orgs, plan.all_local_orgs)


def _sg_id(built: Built, group: int | None) -> int | None:
    return None if group is None else built.group_ids[group]


def _attribute(
    built: Built, p: AttributePlan, event_uuid: str, object_uuid: str | None
) -> tuple[dict[str, Any], AttributeFacts]:
    """The payload of an attribute and the facts the oracle keeps about it."""
    sg_id = _sg_id(built, p.group)
    payload: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "type": p.type,
        "value": p.value,
        "distribution": p.distribution,
        "sharing_group_id": sg_id or 0,
        "deleted": p.deleted,
        "disable_correlation": p.disable_correlation,
    }
    if p.relation is not None:
        payload["object_relation"] = p.relation
    value1, value2 = normalize_value(p.type, p.value)
    facts = AttributeFacts(
        payload["uuid"],
        event_uuid,
        object_uuid,
        p.type,
        value1,
        value2,
        access.ElementFacts(p.distribution, sg_id, p.deleted),
        p.deleted,
        p.disable_correlation,
    )
    return payload, facts


def _object(
    built: Built, p: ObjectPlan, event_uuid: str
) -> tuple[dict[str, Any], ObjectFacts, list[AttributeFacts]]:
    obj_uuid = str(uuid.uuid4())
    sg_id = _sg_id(built, p.group)
    pairs = [_attribute(built, a, event_uuid, obj_uuid) for a in p.attributes]
    payload = {
        "uuid": obj_uuid,
        "name": "domain-ip",
        "distribution": p.distribution,
        "sharing_group_id": sg_id or 0,
        "deleted": p.deleted,
        "Attribute": [a for a, _ in pairs],
    }
    return (
        payload,
        ObjectFacts(obj_uuid, access.ElementFacts(p.distribution, sg_id, p.deleted)),
        [f for _, f in pairs],
    )


def create_event(cast: Cast, built: Built, p: EventPlan) -> EventWorld:
    """Create the event as its creator (the owner org), publish it as the site admin
    (plain users may not publish), and return its facts."""
    creator = cast.members[p.creator]
    event_uuid = str(uuid.uuid4())
    sg_id = _sg_id(built, p.group)
    attrs = [_attribute(built, a, event_uuid, None) for a in p.attributes]
    objs = [_object(built, o, event_uuid) for o in p.objects]
    body = {
        "Event": {
            "uuid": event_uuid,
            "info": f"event {event_uuid[:8]}",
            "distribution": p.distribution,
            "sharing_group_id": sg_id or 0,
            "disable_correlation": p.disable_correlation,
            "Attribute": [a for a, _ in attrs],
            "Object": [o for o, _, _ in objs],
        }
    }
    creator.api.call("POST", "events/add", body)
    if p.published:
        cast.admin.api.call("POST", f"events/publish/{event_uuid}")
    facts = access.EventFacts(
        creator.org_id, creator.org_id, creator.user_id, p.distribution, sg_id, p.published
    )
    all_attrs = [f for _, f in attrs] + [f for _, _, fs in objs for f in fs]
    return EventWorld(
        event_uuid, facts, tuple(all_attrs), tuple(o for _, o, _ in objs), p.disable_correlation
    )


def build(cast: Cast, plan: WorldPlan, built: Built) -> World:
    """Write ``plan`` to the server (recording it in ``built`` as it goes)."""
    for g in plan.groups:
        facts = create_group(cast, g)
        built.group_ids.append(facts.id)
        built.group_facts.append(facts)
    for e in plan.events:
        built.events.append(create_event(cast, built, e))
    # The setting is read on every request, so one server can test both behaviours.
    cast.server.platform.unpublished_private = plan.unpublished_private
    return World(tuple(built.events), plan.unpublished_private)


def tear_down(cast: Cast, built: Built) -> None:
    """Delete what an example created, so the next one starts from no events."""
    cast.server.platform.unpublished_private = False
    api = cast.admin.api
    for e in built.events:
        api.call("POST", f"events/delete/{e.uuid}")
    for sg_id in built.group_ids:
        api.call("POST", f"sharingGroups/delete/{sg_id}")


# --- what the server answers ----------------------------------------------------------


def observed_view(event: dict[str, Any]) -> EventView:
    """The access-relevant content of an event in MISP JSON."""
    return EventView(
        frozenset(a["uuid"] for a in event["Attribute"]),
        {o["uuid"]: frozenset(a["uuid"] for a in o["Attribute"]) for o in event["Object"]},
        frozenset(r["Event"]["uuid"] for r in event["RelatedEvent"]),
    )


def check_views(member: Member, oracle: Oracle) -> None:
    """``events/view`` of every event: 404 when invisible, else exactly the visible content."""
    for e in oracle.world.events:
        r = member.api.request("GET", f"events/view/{e.uuid}")
        if not oracle.sees_event(e):
            assert r.status_code == 404, f"{member.label} can view event {e.uuid}: {e}"
            continue
        assert r.status_code == 200, f"{member.label} cannot view {e.uuid}: {r.text}"
        got = observed_view(r.json()["Event"])
        assert got == oracle.event_view(e), f"{member.label} viewing {e}"


def check_index(member: Member, oracle: Oracle) -> None:
    got = {e["uuid"] for e in member.api.call("POST", "events/index", {})}
    assert got == oracle.visible_events(), f"events/index for {member.label}"


def check_event_search(member: Member, oracle: Oracle) -> None:
    """``events/restSearch`` with correlations: the visible events, each as in its view."""
    found = member.api.call("POST", "events/restSearch", {"includeCorrelations": 1})["response"]
    got = {e["Event"]["uuid"]: observed_view(e["Event"]) for e in found}
    want = {e.uuid: oracle.event_view(e) for e in oracle.world.events if oracle.sees_event(e)}
    assert got == want, f"events/restSearch for {member.label}"


def check_attribute_search(member: Member, oracle: Oracle) -> None:
    """``attributes/restSearch`` with correlations: every visible attribute, each with
    exactly its visible correlations (``RelatedAttribute``)."""
    body = {"includeCorrelations": 1}
    found = member.api.call("POST", "attributes/restSearch", body)["response"]["Attribute"]
    got = {a["uuid"]: frozenset(r["uuid"] for r in a["RelatedAttribute"]) for a in found}
    want = {
        a.uuid: oracle.related_attributes(e, a)
        for e, a in oracle.world.attributes()
        if oracle.sees_attribute(e, a)
    }
    assert got == want, f"attributes/restSearch for {member.label}"


def check_value_search(member: Member, oracle: Oracle, value: str) -> None:
    """A value filter must not give away an event by an attribute the user cannot see."""
    api = member.api
    attrs = api.call("POST", "attributes/restSearch", {"value": value})["response"]["Attribute"]
    assert {a["uuid"] for a in attrs} == oracle.attributes_with_value(value), (
        f"attributes/restSearch value={value} for {member.label}"
    )
    events = api.call("POST", "events/restSearch", {"value": value})["response"]
    assert {e["Event"]["uuid"] for e in events} == oracle.events_with_value(value), (
        f"events/restSearch value={value} for {member.label}"
    )


def check_deleted_views(member: Member, oracle: Oracle) -> None:
    """``events/view`` with MISP's ``deleted``: ``deleted:1`` (named, live and deleted)
    and ``{"deleted": [1]}`` (body, as PyMISP sends it: deleted only)."""
    for e in oracle.world.events:
        if not oracle.sees_event(e):
            continue
        both = member.api.call("GET", f"events/view/{e.uuid}/deleted:1")["Event"]
        assert observed_view(both) == oracle.event_view(e, "both"), f"{member.label}: {e}"
        only = member.api.call("POST", f"events/view/{e.uuid}", {"deleted": [1]})["Event"]
        assert observed_view(only) == oracle.event_view(e, "only"), f"{member.label}: {e}"


def check_deleted_searches(member: Member, oracle: Oracle) -> None:
    """restSearch with ``deleted`` 1 (deleted only) and [0, 1] (both), on attributes and
    on events (with 1, the events having a deleted attribute the user may see)."""
    api = member.api
    for mode, raw in (("only", 1), ("both", [0, 1])):
        found = api.call("POST", "attributes/restSearch", {"deleted": raw})["response"]
        got = {a["uuid"] for a in found["Attribute"]}
        assert got == oracle.visible_attributes(mode), f"{member.label} deleted={raw}"
    by_uuid = {e.uuid: e for e in oracle.world.events}
    for mode, raw, selected in (
        ("only", 1, oracle.events_with_deleted()),
        ("both", [0, 1], oracle.visible_events()),
    ):
        body = {"deleted": raw, "includeCorrelations": 1}
        events = api.call("POST", "events/restSearch", body)["response"]
        got_events = {e["Event"]["uuid"]: observed_view(e["Event"]) for e in events}
        want = {u: oracle.event_view(by_uuid[u], mode) for u in selected}
        assert got_events == want, f"events/restSearch deleted={raw} for {member.label}"


def check_attribute_views(member: Member, oracle: Oracle) -> None:
    """``attributes/view`` of every attribute: the attribute, or 404 when hidden."""
    for e, a in oracle.world.attributes():
        r = member.api.request("GET", f"attributes/view/{a.uuid}")
        if oracle.sees_attribute(e, a, "both"):
            assert r.status_code == 200, f"{member.label} cannot view {a}: {r.text}"
            assert r.json()["Attribute"]["uuid"] == a.uuid
        else:
            assert r.status_code == 404, f"{member.label} can view {a}: {r.text}"


def check_member(
    member: Member, world: World, groups: Sequence[access.SharingGroupFacts], search_value: str
) -> None:
    """Every read, as ``member``, against the oracle."""
    oracle = Oracle(world, member.viewer(groups))
    check_index(member, oracle)
    check_views(member, oracle)
    check_event_search(member, oracle)
    check_attribute_search(member, oracle)
    check_value_search(member, oracle, search_value)
    check_deleted_views(member, oracle)
    check_deleted_searches(member, oracle)
    check_attribute_views(member, oracle)


# --- the property ---------------------------------------------------------------------


def test_every_read_returns_exactly_what_misp_rules_allow(cast: Cast) -> None:
    """No leak and nothing missing, for every user, on random worlds."""

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(plan=world_plans())
    def check(plan: WorldPlan) -> None:
        built = Built()
        try:
            world = build(cast, plan, built)
            for member in cast.members:
                check_member(member, world, built.group_facts, plan.search_value)
        finally:
            tear_down(cast, built)

    check()


# --- example-based tests of the tricky rules --------------------------------------------


def attr(type_: str, value: str, distribution: int = 5, sg: int = 0) -> dict[str, Any]:
    """An attribute payload with a UUID chosen here (so tests can look for it)."""
    return {
        "uuid": str(uuid.uuid4()),
        "type": type_,
        "value": value,
        "distribution": distribution,
        "sharing_group_id": sg,
    }


def domain_ip(distribution: int, *attributes: dict[str, Any]) -> dict[str, Any]:
    """A domain-ip object payload holding ``attributes`` (domain or ip-dst)."""
    relations = {"domain": "domain", "ip-dst": "ip"}
    return {
        "uuid": str(uuid.uuid4()),
        "name": "domain-ip",
        "distribution": distribution,
        "Attribute": [a | {"object_relation": relations[a["type"]]} for a in attributes],
    }


def post_event(
    member: Member,
    distribution: int,
    *attributes: dict[str, Any],
    sg: int = 0,
    objects: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> str:
    """Create an event as ``member``; return its UUID."""
    event_uuid = str(uuid.uuid4())
    member.api.call(
        "POST",
        "events/add",
        {
            "Event": {
                "uuid": event_uuid,
                "info": "example",
                "distribution": distribution,
                "sharing_group_id": sg,
                "Attribute": list(attributes),
                "Object": list(objects),
                **fields,
            }
        },
    )
    return event_uuid


def viewed(member: Member, event_uuid: str) -> EventView | None:
    """The event as ``member`` views it, or None when the server says 404."""
    r = member.api.request("GET", f"events/view/{event_uuid}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return observed_view(r.json()["Event"])


def found_attributes(member: Member, **filters: Any) -> dict[str, frozenset[str]]:
    """``attributes/restSearch`` with correlations: UUID -> related attribute UUIDs."""
    body = {"includeCorrelations": 1, **filters}
    found = member.api.call("POST", "attributes/restSearch", body)["response"]["Attribute"]
    return {a["uuid"]: frozenset(r["uuid"] for r in a["RelatedAttribute"]) for a in found}


def found_events(member: Member, **filters: Any) -> set[str]:
    """UUIDs of the events ``events/restSearch`` returns."""
    found = member.api.call("POST", "events/restSearch", filters)["response"]
    return {e["Event"]["uuid"] for e in found}


def indexed(member: Member) -> set[str]:
    """UUIDs of the events ``events/index`` lists."""
    return {e["uuid"] for e in member.api.call("POST", "events/index", {})}


def test_sharing_group_members_see_its_data_and_others_do_not(cast: Cast) -> None:
    _, org1, org2, org3 = cast.members
    sg = create_group(cast, GroupPlan(frozenset({0, 1, 2}), False)).id
    in_group = attr("ip-src", "10.0.0.1", SG, sg)
    ev = post_event(org1, SG, in_group, sg=sg)
    shared = attr("domain", "evil.example", SG, sg)
    public = attr("domain", "good.example")
    open_ev = post_event(org1, 3, shared, public)

    assert viewed(org2, ev) == EventView(frozenset({in_group["uuid"]}), {}, frozenset())
    assert viewed(org3, ev) is None
    assert ev in indexed(org2) and ev not in indexed(org3)
    assert viewed(org3, open_ev) == EventView(frozenset({public["uuid"]}), {}, frozenset())
    assert found_attributes(org3) == {public["uuid"]: frozenset()}
    assert found_events(org3, value="evil.example") == set()
    assert found_events(org2, value="evil.example") == {open_ev}

    # "All organisations of this instance" opens the group to non-members.
    cast.admin.api.call(
        "POST", "sharingGroups/addServer", {"sg_id": sg, "server_id": 0, "all_orgs": True}
    )
    assert viewed(org3, ev) == EventView(frozenset({in_group["uuid"]}), {}, frozenset())


def test_org_only_attribute_in_an_open_event_is_for_the_owner_org_only(cast: Cast) -> None:
    admin, org1, org2, _ = cast.members
    private = attr("ip-src", "10.0.0.1", distribution=0)
    inherited = attr("ip-src", "10.0.0.2")
    ev = post_event(org1, 3, private, inherited)

    both = EventView(frozenset({private["uuid"], inherited["uuid"]}), {}, frozenset())
    assert viewed(org1, ev) == both
    assert viewed(admin, ev) == both
    assert viewed(org2, ev) == EventView(frozenset({inherited["uuid"]}), {}, frozenset())
    assert found_attributes(org2, value="10.0.0.1") == {}
    assert found_events(org2, value="10.0.0.1") == set()
    assert found_events(org1, value="10.0.0.1") == {ev}


def test_attribute_inside_an_org_only_object_is_hidden(cast: Cast) -> None:
    _, org1, org2, _ = cast.members
    in_hidden = attr("domain", "evil.example")  # inherits, but its object is org-only
    hidden_in_open = attr("ip-dst", "10.0.0.1", distribution=0)
    hidden, shown = domain_ip(0, in_hidden), domain_ip(5, hidden_in_open)
    ev = post_event(org1, 3, objects=[hidden, shown])

    assert viewed(org1, ev) == EventView(
        frozenset(),
        {
            hidden["uuid"]: frozenset({in_hidden["uuid"]}),
            shown["uuid"]: frozenset({hidden_in_open["uuid"]}),
        },
        frozenset(),
    )
    assert viewed(org2, ev) == EventView(frozenset(), {shown["uuid"]: frozenset()}, frozenset())
    assert found_attributes(org2) == {}
    assert found_events(org2, value="evil.example") == set()


def test_correlation_never_reveals_an_invisible_event_or_attribute(cast: Cast) -> None:
    _, org1, org2, org3 = cast.members
    secret = attr("ip-src", "10.0.0.1")
    secret_ev = post_event(org1, 0, secret)
    mine = attr("ip-dst", "10.0.0.1")
    my_ev = post_event(org2, 3, mine)
    # A visible event whose matching attributes (exact and CIDR) are org-only.
    post_event(
        org3,
        3,
        attr("ip-src", "10.0.0.1", 0),
        attr("ip-src", "10.0.0.0/24", 0),
        attr("domain", "good.example"),
    )

    assert viewed(org2, my_ev) == EventView(frozenset({mine["uuid"]}), {}, frozenset())
    assert found_attributes(org2, value="10.0.0.1") == {mine["uuid"]: frozenset()}
    # The owner of the org-only event does see the correlation with the open one.
    assert viewed(org1, secret_ev) == EventView(frozenset({secret["uuid"]}), {}, frozenset({my_ev}))


def test_unpublished_private_hides_unpublished_events_and_their_correlations(
    cast: Cast,
) -> None:
    _, org1, org2, _ = cast.members
    theirs = attr("ip-src", "10.0.0.1")
    their_ev = post_event(org1, 3, theirs)
    mine = attr("ip-dst", "10.0.0.1")
    my_ev = post_event(org2, 3, mine)
    cast.server.platform.unpublished_private = True
    try:
        assert viewed(org2, their_ev) is None
        assert viewed(org2, my_ev) == EventView(frozenset({mine["uuid"]}), {}, frozenset())
        assert found_attributes(org2) == {mine["uuid"]: frozenset()}
        # A sighting by value must not reach (and so reveal) the hidden attribute either:
        # one sighting only, on the user's own event.
        added = org2.api.call("POST", "sightings/add", {"value": "10.0.0.1"})
        assert isinstance(added, dict), f"a sighting reached a hidden attribute: {added}"
        assert (
            added["Sighting"]["event_id"]
            == org2.api.call("GET", f"events/view/{my_ev}")["Event"]["id"]
        )

        cast.admin.api.call("POST", f"events/publish/{their_ev}")
        assert viewed(org2, my_ev) == EventView(
            frozenset({mine["uuid"]}), {}, frozenset({their_ev})
        )
    finally:
        cast.server.platform.unpublished_private = False


def test_event_with_correlation_disabled_correlates_with_nothing(cast: Cast) -> None:
    _, org1, org2, _ = cast.members
    quiet = attr("ip-src", "10.0.0.1")
    quiet_ev = post_event(org1, 3, quiet, disable_correlation=True)
    loud = attr("ip-dst", "10.0.0.1")
    loud_ev = post_event(org2, 3, loud)

    assert found_attributes(org1) == {quiet["uuid"]: frozenset(), loud["uuid"]: frozenset()}
    assert viewed(org1, quiet_ev) == EventView(frozenset({quiet["uuid"]}), {}, frozenset())
    assert viewed(org2, loud_ev) == EventView(frozenset({loud["uuid"]}), {}, frozenset())
