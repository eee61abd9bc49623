"""MISP's sync rules, as pure functions over MISP JSON events (the inner ``Event`` dict).

What may leave an instance, and how it looks on arrival, follows MISP's
``Event::__updateEventForSync`` / ``__prepareAttributesForSync`` (push),
``Server::__updatePulledEventBeforeInsert`` (pull) and
``SharingGroup::checkIfServerInSG``:

- only published events travel;
- distribution 0 (organisation only) never leaves; 1 (this community) is not pushed,
  but a remote sync user pulling from us is a user of this community and is served
  it, as MISP serves it (``community``), and the puller stores it as 0;
- distribution 2 (connected communities) becomes 1 on the receiver; 3 (all
  communities) stays 3; 5 (inherit) stays 5;
- distribution 4 (sharing group) travels only to a server the group lists (with
  "all organisations", or without it when the receiving organisation is a member), or,
  for a roaming group, to a server whose organisation is a member;
- local tags never leave; the receiver locks the event.

Every function returns a new dict and leaves its argument alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.enums import Distribution
from threatmesh.model.errors import InvalidInput

#: Event distributions that may leave the instance.
SYNCABLE_EVENT = frozenset({Distribution.CONNECTED, Distribution.ALL, Distribution.SHARING_GROUP})
#: Attribute and object distributions that may leave (5 inherits a syncable event's).
SYNCABLE_ELEMENT = SYNCABLE_EVENT | {Distribution.INHERIT}
#: What a pulling sync user is served as well, unless the instance is strict: MISP's
#: sync user sees "this community" content as any user of the community does.
COMMUNITY = frozenset({Distribution.COMMUNITY})

Event = dict[str, Any]
#: Decides whether a sharing group (MISP JSON, ``SharingGroup`` with its lists) may go.
GroupCheck = Callable[[Mapping[str, Any]], bool]


def _dist(item: Mapping[str, Any], default: int) -> int:
    try:
        return int(item.get("distribution", default))
    except (TypeError, ValueError):
        return -1  # unreadable: treated as not shareable


def _no_local_tags(tags: Any) -> list[Any]:
    return [t for t in (tags or []) if not (isinstance(t, Mapping) and t.get("local"))]


def sharing_group_reaches_server(
    group: Mapping[str, Any], server_id: int, remote_org_uuid: str | None
) -> bool:
    """MISP's ``checkIfServerInSG``: may data of ``group`` be pushed to server
    ``server_id`` whose organisation is ``remote_org_uuid``?"""
    listed = False
    servers = group.get("SharingGroupServer") or []
    if servers:
        for entry in servers:
            if str(entry.get("server_id")) == str(server_id):
                if entry.get("all_orgs"):
                    return True
                listed = True
        if not listed and not group.get("roaming"):
            return False
    return remote_org_uuid is not None and any(
        (entry.get("Organisation") or {}).get("uuid") == remote_org_uuid
        for entry in group.get("SharingGroupOrg") or []
    )


@dataclass(frozen=True, slots=True)
class _Scope:
    """What may leave in one call of :func:`outgoing`."""

    groups: Mapping[str, Mapping[str, Any]]
    allows: GroupCheck | None
    elements: frozenset[int]


def _element_goes(item: Mapping[str, Any], scope: _Scope) -> bool:
    dist = _dist(item, Distribution.INHERIT)
    if dist not in scope.elements:
        return False
    if dist != Distribution.SHARING_GROUP:
        return True
    group = scope.groups.get(str(item.get("sharing_group_id")))
    return group is not None and (scope.allows is None or scope.allows(group))


def _with_group(item: dict[str, Any], groups: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Attach the ``SharingGroup`` a receiver needs to recreate the group."""
    if _dist(item, 0) == Distribution.SHARING_GROUP:
        item["SharingGroup"] = dict(groups[str(item.get("sharing_group_id"))])
    return item


def _attributes(raw: Iterable[Any], scope: _Scope, keep_sightings: bool) -> list[dict[str, Any]]:
    out = []
    for attr in raw:
        if not _element_goes(attr, scope):
            continue
        a = _with_group(dict(attr), scope.groups)
        a["Tag"] = _no_local_tags(a.get("Tag"))
        if not keep_sightings:
            a.pop("Sighting", None)
        a.pop("RelatedAttribute", None)
        out.append(a)
    return out


def outgoing(
    event: Mapping[str, Any],
    groups: Mapping[str, Mapping[str, Any]],
    *,
    allows: GroupCheck | None = None,
    keep_sightings: bool = False,
    community: bool = False,
) -> Event | None:
    """The part of ``event`` that may leave the instance, or None if nothing may.

    ``groups`` maps sharing-group ids (as strings) to the groups' MISP JSON; a
    sharing-group element goes only if its group is known and ``allows`` accepts it
    (push: :func:`sharing_group_reaches_server`; pull: the remote user's access was
    already checked, so ``allows`` is None). ``community``: distribution 1 goes too
    (served to a pulling sync user, as MISP does; never pushed). Distributions are
    left as they are (the receiver downgrades, see :func:`incoming`)."""
    extra = COMMUNITY if community else frozenset()
    if not event.get("published") or _dist(event, 0) not in SYNCABLE_EVENT | extra:
        return None
    scope = _Scope(groups, allows, SYNCABLE_ELEMENT | extra)
    if not _element_goes(event, scope):
        return None
    out = _with_group(dict(event), groups)
    out["Tag"] = _no_local_tags(out.get("Tag"))
    out["Attribute"] = _attributes(out.get("Attribute") or [], scope, keep_sightings)
    objects = []
    for raw in out.get("Object") or []:
        if _element_goes(raw, scope):
            obj = _with_group(dict(raw), groups)
            obj["Attribute"] = _attributes(obj.get("Attribute") or [], scope, keep_sightings)
            objects.append(obj)
    out["Object"] = objects
    for key in ("RelatedEvent", "ShadowAttribute"):
        out.pop(key, None)
    return out


def _downgrade(item: dict[str, Any], pulled: bool) -> dict[str, Any]:
    dist = _dist(item, Distribution.INHERIT)
    if dist == Distribution.CONNECTED:
        item["distribution"] = str(int(Distribution.COMMUNITY))
    elif dist == Distribution.COMMUNITY and pulled:
        item["distribution"] = str(int(Distribution.ORGANISATION))
    return item


def incoming(event: Mapping[str, Any], *, pulled: bool) -> Event:
    """``event`` as the receiver stores it: 2 becomes 1 (and, on pull, 1 becomes 0,
    as MISP does for data a remote served to a local user), local tags dropped,
    locked."""
    out = _downgrade(dict(event), pulled)
    out["locked"] = True
    out["Tag"] = _no_local_tags(out.get("Tag"))

    def attrs(raw: Iterable[Any]) -> list[dict[str, Any]]:
        return [
            _downgrade({**a, "Tag": _no_local_tags(a.get("Tag"))}, pulled)
            for a in raw
            if isinstance(a, Mapping)
        ]

    out["Attribute"] = attrs(out.get("Attribute") or [])
    out["Object"] = [
        _downgrade({**o, "Attribute": attrs(o.get("Attribute") or [])}, pulled)
        for o in out.get("Object") or []
        if isinstance(o, Mapping)
    ]
    return out


def sharing_groups_in(event: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The ``SharingGroup`` objects an event carries, by the sender's group id."""
    found: dict[str, Mapping[str, Any]] = {}
    items: list[Mapping[str, Any]] = [event, *(event.get("Attribute") or [])]
    for obj in event.get("Object") or []:
        items += [obj, *(obj.get("Attribute") or [])]
    for item in items:
        group = item.get("SharingGroup")
        if _dist(item, 0) == Distribution.SHARING_GROUP and isinstance(group, Mapping):
            found[str(item.get("sharing_group_id"))] = group
    return found


@dataclass(frozen=True, slots=True)
class Rules:
    """MISP's push/pull filter rules by tag and organisation (``OR``: at least one must
    match, when given; ``NOT``: none may)."""

    tags_or: tuple[str, ...] = ()
    tags_not: tuple[str, ...] = ()
    orgs_or: tuple[str, ...] = ()
    orgs_not: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The rules in MISP's stored JSON form."""
        return json.dumps(
            {
                "tags": {"OR": list(self.tags_or), "NOT": list(self.tags_not)},
                "orgs": {"OR": list(self.orgs_or), "NOT": list(self.orgs_not)},
                "url_params": "",
            }
        )


def _names(raw: Any, path: str) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise InvalidInput(f"{path}: expected a list of names")
    return tuple(str(x) for x in raw if str(x).strip())


def parse_rules(raw: Any, path: str) -> Rules:
    """MISP's rule JSON (a string or a dict): ``{"tags": {"OR": [...], "NOT": [...]},
    "orgs": {"OR": [...], "NOT": [...]}}``; empty means "everything"."""
    if raw in (None, "", "[]", "{}", []):
        return Rules()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise InvalidInput(f'{path}: expected {{"tags": {{...}}, "orgs": {{...}}}}')
    tags, orgs = raw.get("tags") or {}, raw.get("orgs") or {}
    if not isinstance(tags, Mapping) or not isinstance(orgs, Mapping):
        raise InvalidInput(f"{path}: tags and orgs must be objects with OR/NOT lists")
    return Rules(
        tags_or=_names(tags.get("OR"), f"{path}.tags.OR"),
        tags_not=_names(tags.get("NOT"), f"{path}.tags.NOT"),
        orgs_or=_names(orgs.get("OR"), f"{path}.orgs.OR"),
        orgs_not=_names(orgs.get("NOT"), f"{path}.orgs.NOT"),
    )


def rules_allow(rules: Rules, event: Mapping[str, Any]) -> bool:
    """Whether ``event`` passes ``rules`` (tags by name; organisations by the creator's
    id, name or UUID)."""
    names = {str(t.get("name")) for t in event.get("Tag") or [] if isinstance(t, Mapping)}
    names |= {
        str(t["Tag"].get("name"))
        for t in event.get("EventTag") or []
        if isinstance(t, Mapping) and isinstance(t.get("Tag"), Mapping)
    }
    orgc = event.get("Orgc") or {}
    org_refs = {str(orgc.get(k)) for k in ("id", "name", "uuid") if orgc.get(k)}
    if rules.tags_or and not names & set(rules.tags_or):
        return False
    if names & set(rules.tags_not):
        return False
    if rules.orgs_or and not org_refs & set(rules.orgs_or):
        return False
    return not org_refs & set(rules.orgs_not)


def rules_as_filters(rules: Rules) -> dict[str, Any]:
    """Pull rules as ``events/index`` filters (MISP's ``filterRuleToParameter``)."""
    out: dict[str, Any] = {}
    tags = [*rules.tags_or, *(f"!{t}" for t in rules.tags_not)]
    orgs = [*rules.orgs_or, *(f"!{o}" for o in rules.orgs_not)]
    if tags:
        out["tags"] = tags
    if orgs:
        out["org"] = orgs
    return out
