"""MISP JSON (the core format) -> validated drafts.

Accepts what MISP's API accepts: the event wrapped in ``{"Event": ...}`` or bare, ids and
enums as strings or numbers, compound values as ``a|b``. Every error names the path of
the offending field, e.g. ``Event.Attribute[12].value``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from threatmesh.formats import malware_sample
from threatmesh.formats.fields import (
    as_bool,
    as_colour,
    as_date,
    as_dict,
    as_id,
    as_int,
    as_list,
    as_seen,
    as_str,
    as_timestamp,
    as_uuid,
    field_bool,
    field_str,
    uuid_or_new,
    where,
)
from threatmesh.model import envelope
from threatmesh.model.drafts import (
    AttributeDraft,
    EventDraft,
    ObjectDraft,
    OrgRef,
    ReferenceDraft,
    TagRef,
)
from threatmesh.model.enums import ELEMENT_DISTRIBUTIONS, EVENT_DISTRIBUTIONS, Distribution
from threatmesh.model.errors import InvalidInput, InvalidValue
from threatmesh.model.validation import describe_types, object_templates
from threatmesh.model.validation.values import normalize_value

_THREAT_LEVELS = frozenset({1, 2, 3, 4})
_ANALYSIS = frozenset({0, 1, 2})
#: MISP's column sizes: TEXT columns (info, comments, descriptions) hold 65535 bytes,
#: names (tags, objects, relations, categories) are varchar(255).
MAX_INFO = MAX_TEXT = 65535
MAX_NAME = 255


def unwrap(payload: Any, key: str) -> Mapping[str, Any]:
    """The object under ``key`` (``{"Event": {...}}``) or the payload itself if bare."""
    data = as_dict(payload, "request body")
    inner = data.get(key)
    if isinstance(inner, Mapping):
        return inner
    return data


def parse_tags(raw: Any, path: str) -> list[TagRef]:
    """``Tag`` lists: ``[{"name": "tlp:white"}]`` or ``["tlp:white"]``."""
    tags = []
    for i, item in enumerate(as_list(raw, path)):
        p = f"{path}[{i}]"
        if isinstance(item, str):
            name, local, colour = as_str(item, p, max_len=MAX_NAME), False, None
        else:
            d = as_dict(item, p)
            name = as_str(d.get("name"), where(p, "name"), max_len=MAX_NAME)
            local = as_bool(d.get("local", False), where(p, "local"))
            colour = as_colour(d.get("colour"), where(p, "colour"))
        name = name.strip()
        if not name:
            raise InvalidInput(f"{p}.name: a tag needs a name")
        tags.append(TagRef(name=name, local=local, colour=colour))
    return tags


def _distribution(data: Mapping[str, Any], path: str, default: int) -> tuple[int, int]:
    dist = data.get("distribution", default)
    if type(dist) is int and dist in ELEMENT_DISTRIBUTIONS and dist != Distribution.SHARING_GROUP:
        return dist, 0  # the common case, decided without building any path
    dist = as_int(dist, where(path, "distribution"))
    if dist not in ELEMENT_DISTRIBUTIONS:
        raise InvalidInput(f"{where(path, 'distribution')}: {dist} is not a distribution (0-5)")
    sg = as_int(data.get("sharing_group_id") or 0, where(path, "sharing_group_id"))
    if dist == Distribution.SHARING_GROUP and sg <= 0:
        raise InvalidInput(
            f"{where(path, 'sharing_group_id')}: distribution 4 needs a sharing group"
        )
    return dist, (sg if dist == Distribution.SHARING_GROUP else 0)


def _type_and_category(data: Mapping[str, Any], path: str) -> tuple[str, str]:
    type_ = data.get("type")
    # The common case is one set lookup (a list or dict is unhashable: check str first).
    if type(type_) is not str or type_ not in describe_types.attribute_types():
        type_ = as_str(type_, where(path, "type"), max_len=100)
        raise InvalidInput(f"{where(path, 'type')}: unknown attribute type {type_!r}")
    raw_cat = data.get("category")
    if raw_cat is None or raw_cat == "":
        return type_, describe_types.default_category(type_)
    category = field_str(data, "category", path, max_len=255)
    if not describe_types.category_allows(category, type_):
        raise InvalidInput(
            f"{where(path, 'category')}: type {type_!r} is not allowed in category {category!r}"
        )
    return type_, category


def parse_attribute(raw: Any, path: str, *, now: int) -> AttributeDraft:
    """Validate one attribute dict into an :class:`AttributeDraft`."""
    data = as_dict(raw, path)
    type_, category = _type_and_category(data, path)
    sealed = protected_value(data, path)
    content = _attachment_data(data, type_, path) if "data" in data or "base64" in data else None
    if sealed is not None:
        value1, value2 = sealed.marker(), ""
    else:
        data, content = _sample(data, type_, content, now)
        value1, value2 = _plain_value(data, type_, path)
    dist, sg = _distribution(data, path, Distribution.INHERIT)
    to_ids = data.get("to_ids")
    relation = data.get("object_relation")
    stamp = data.get("timestamp")
    first, last = _seen(data, path)
    return AttributeDraft(
        uuid=uuid_or_new(data, path),
        type=type_,
        category=category,
        value1=value1,
        value2=value2,
        to_ids=(
            describe_types.default_to_ids(type_)
            if to_ids is None
            else as_bool(to_ids, where(path, "to_ids"))
        ),
        distribution=dist,
        sharing_group_id=sg,
        comment=field_str(data, "comment", path, max_len=MAX_TEXT),
        # A protected value correlates only through its blind index, if it has one.
        disable_correlation=(sealed is not None and sealed.blind_index is None)
        or field_bool(data, "disable_correlation", path),
        timestamp=now if not stamp else as_timestamp(stamp, where(path, "timestamp"), now),
        first_seen=first,
        last_seen=last,
        deleted=field_bool(data, "deleted", path),
        object_relation=None
        if relation is None
        else as_str(relation, where(path, "object_relation"), max_len=MAX_NAME),
        tags=parse_tags(data["Tag"], where(path, "Tag")) if data.get("Tag") else [],
        envelope=None if sealed is None else orjson.dumps(sealed.to_json()).decode(),
        data=content,
    )


def _sample(
    data: Mapping[str, Any], type_: str, content: bytes | None, now: int
) -> tuple[Mapping[str, Any], bytes | None]:
    """A raw malware sample as MISP stores it (``onDemandEncrypt``): the value becomes
    ``name|md5`` and the content the zip (password ``infected``); anything else as sent."""
    value = data.get("value")
    if not isinstance(value, str) or content is None:
        return data, content
    if not malware_sample.to_zip(type_, value, data.get("encrypt"), content):
        return data, content
    when = dt.datetime.fromtimestamp(now, dt.UTC)
    value, zipped = malware_sample.encrypt(value, content, when=when)
    return {**data, "value": value}, zipped


def _seen(data: Mapping[str, Any], path: str) -> tuple[int | None, int | None]:
    """``first_seen`` and ``last_seen``; a last_seen before the first_seen is refused, as
    MISP's ``validateLastSeenValue`` refuses it on attributes and objects."""
    raw_first, raw_last = data.get("first_seen"), data.get("last_seen")
    if raw_first is None and raw_last is None:
        return None, None
    first = as_seen(raw_first, where(path, "first_seen"))
    last = as_seen(raw_last, where(path, "last_seen"))
    if first is not None and last is not None and first > last:
        raise InvalidInput(
            f"{where(path, 'last_seen')}: {raw_last!r} is before first_seen {raw_first!r}"
        )
    return first, last


def _attachment_data(data: Mapping[str, Any], type_: str, path: str) -> bytes | None:
    """The content of an ``attachment`` or ``malware-sample``: ``data`` in base64 (MISP
    also reads ``base64``). Other types carry none: MISP ignores it there; we refuse it,
    rather than answer 200 and drop it."""
    key = "data" if data.get("data") else "base64"
    raw = data.get(key)
    if not raw:
        return None
    if type_ not in describe_types.ATTACHMENT_TYPES:
        raise InvalidInput(
            f"{where(path, key)}: only attachment and malware-sample attributes carry data, "
            f"not {type_!r}"
        )
    try:
        return base64.b64decode(raw if isinstance(raw, str) else b"!", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{where(path, key)}: not valid base64") from None


def _plain_value(data: Mapping[str, Any], type_: str, path: str) -> tuple[str, str]:
    raw_value = data.get("value")
    if isinstance(raw_value, bool):
        # JSON true/false: MISP (PHP) casts them to "1"/"0" before validating the value.
        raw_value = "1" if raw_value else "0"
    if raw_value is None or raw_value == "":
        raise InvalidInput(f"{where(path, 'value')}: an attribute needs a value")
    try:
        return normalize_value(type_, as_str(raw_value, where(path, "value")))
    except InvalidValue as exc:
        raise InvalidValue(f"{where(path, 'value')}: {exc.message}") from None


def protected_value(data: Mapping[str, Any], path: str) -> envelope.Envelope | None:
    """The CP-ABE envelope of a protected attribute (its ``Protected`` field), or None.
    Its value is not validated against the type: the server never sees the plaintext."""
    raw = data.get("Protected")
    return None if raw is None else envelope.parse(raw, where(path, "Protected"))


def _parse_reference(raw: Any, path: str, now: int) -> ReferenceDraft:
    data = as_dict(raw, path)
    target = data.get("referenced_uuid")
    if not target:
        raise InvalidInput(f"{where(path, 'referenced_uuid')}: a reference needs a target UUID")
    return ReferenceDraft(
        uuid=uuid_or_new(data, path),
        referenced_uuid=as_uuid(target, where(path, "referenced_uuid")),
        relationship_type=as_str(
            data.get("relationship_type") or "related-to",
            where(path, "relationship_type"),
            max_len=MAX_NAME,
        ),
        comment=field_str(data, "comment", path, max_len=MAX_TEXT),
        timestamp=as_timestamp(data.get("timestamp"), where(path, "timestamp"), now),
        deleted=as_bool(data.get("deleted", False), where(path, "deleted")),
    )


def _is_natural(raw: Any) -> bool:
    """A whole number >= 0, as a JSON number or a string of digits."""
    if type(raw) is int:
        return raw >= 0
    return isinstance(raw, str) and as_id(raw) is not None


def _template_fields(
    data: Mapping[str, Any], template: object_templates.ObjectTemplate | None, path: str
) -> dict[str, str]:
    """What an object says of its template, or what its known template says. MISP checks
    the same fields on save (``MispObject::$validate``): ``template_uuid`` a UUID,
    ``template_version`` a whole number."""
    key = "meta-category" if data.get("meta-category") else "meta_category"
    version = data.get("template_version")
    if version not in (None, "") and not _is_natural(version):
        raise InvalidInput(f"{where(path, 'template_version')}: {version!r} is not a number")
    given_uuid = data.get("template_uuid")
    return {
        "meta_category": as_str(data.get(key), where(path, key), max_len=MAX_NAME)
        if data.get(key)
        else (template.meta_category if template else ""),
        "description": field_str(data, "description", path, max_len=MAX_TEXT)
        or (template.description if template else ""),
        "template_uuid": as_uuid(given_uuid, where(path, "template_uuid"))
        if given_uuid
        else (template.uuid if template else ""),
        "template_version": as_str(version, where(path, "template_version"), max_len=16)
        if version not in (None, "")
        else (template.version if template else ""),
    }


def parse_object(raw: Any, path: str, *, now: int) -> ObjectDraft:
    """Validate an object with its attributes and references. An object named after a
    known misp-objects template is checked against it; any other name is a custom object,
    accepted as MISP accepts objects whose template it does not know."""
    data = as_dict(raw, path)
    name = as_str(data.get("name"), where(path, "name"), max_len=MAX_NAME).strip()
    if not name:
        raise InvalidInput(f"{where(path, 'name')}: an object needs a name")
    dist, sg = _distribution(data, path, Distribution.INHERIT)
    attrs_path = where(path, "Attribute")
    attributes = [
        parse_attribute(a, f"{attrs_path}[{i}]", now=now)
        for i, a in enumerate(as_list(data.get("Attribute"), attrs_path))
    ]
    for i, attr in enumerate(attributes):
        if not attr.object_relation:
            raise InvalidInput(f"{attrs_path}[{i}].object_relation: required in an object")
    template = object_templates.template(name)
    object_templates.check(template, attributes, path)
    refs_path = where(path, "ObjectReference")
    first, last = _seen(data, path)
    return ObjectDraft(
        uuid=uuid_or_new(data, path),
        name=name,
        **_template_fields(data, template, path),
        distribution=dist,
        sharing_group_id=sg,
        comment=field_str(data, "comment", path, max_len=MAX_TEXT),
        timestamp=as_timestamp(data.get("timestamp"), where(path, "timestamp"), now),
        first_seen=first,
        last_seen=last,
        deleted=as_bool(data.get("deleted", False), where(path, "deleted")),
        attributes=attributes,
        references=[
            _parse_reference(r, f"{refs_path}[{i}]", now)
            for i, r in enumerate(as_list(data.get("ObjectReference"), refs_path))
        ],
    )


def _orgc(data: Mapping[str, Any], path: str) -> OrgRef | None:
    orgc = data.get("Orgc")
    if not isinstance(orgc, Mapping):
        return None
    uuid, name = orgc.get("uuid"), orgc.get("name")
    at = where(path, "Orgc")
    return OrgRef(
        uuid=as_str(uuid, where(at, "uuid"), max_len=36).lower() if uuid else None,
        name=as_str(name, where(at, "name"), max_len=MAX_NAME) if name else None,
    )


def _extends(data: Mapping[str, Any], path: str) -> str:
    """``extends_uuid``: the UUID of the extended event, or its id (as MISP takes it;
    the service turns an id into the UUID of an event the user can see)."""
    raw = data.get("extends_uuid")
    if raw is None or raw == "":
        return ""
    if _is_natural(raw):
        return str(raw)
    return as_uuid(raw, where(path, "extends_uuid"))


def parse_event(raw: Any, *, now: int, today: dt.date, path: str = "Event") -> EventDraft:
    """Validate a whole event (``events/add`` and ``events/edit`` bodies)."""
    data = unwrap(raw, "Event")
    info = data.get("info")
    if info is None or str(info).strip() == "":
        raise InvalidInput(f"{where(path, 'info')}: an event needs an info (its title)")
    dist = as_int(data.get("distribution", 1), where(path, "distribution"))
    if dist not in EVENT_DISTRIBUTIONS:
        raise InvalidInput(
            f"{where(path, 'distribution')}: {dist} is not an event distribution (0-4)"
        )
    dist, sg = _distribution({**data, "distribution": dist}, path, 1)
    attrs_path, objs_path = where(path, "Attribute"), where(path, "Object")
    draft = EventDraft(
        uuid=uuid_or_new(data, path),
        info=as_str(info, where(path, "info"), max_len=MAX_INFO),
        date=as_date(data.get("date"), where(path, "date"), today),
        threat_level_id=as_int(
            data.get("threat_level_id", 4), where(path, "threat_level_id"), allowed=_THREAT_LEVELS
        ),
        analysis=as_int(data.get("analysis", 0), where(path, "analysis"), allowed=_ANALYSIS),
        distribution=dist,
        sharing_group_id=sg,
        published=as_bool(data.get("published", False), where(path, "published")),
        timestamp=as_timestamp(data.get("timestamp"), where(path, "timestamp"), now),
        publish_timestamp=as_timestamp(
            data.get("publish_timestamp"), where(path, "publish_timestamp"), 0
        ),
        disable_correlation=as_bool(
            data.get("disable_correlation", False), where(path, "disable_correlation")
        ),
        extends_uuid=_extends(data, path),
        orgc=_orgc(data, path),
        tags=parse_tags(data.get("Tag") or _event_tags(data), where(path, "Tag")),
        attributes=[
            parse_attribute(a, f"{attrs_path}[{i}]", now=now)
            for i, a in enumerate(as_list(data.get("Attribute"), attrs_path))
        ],
        objects=[
            parse_object(o, f"{objs_path}[{i}]", now=now)
            for i, o in enumerate(as_list(data.get("Object"), objs_path))
        ],
        present=frozenset(data.keys()),
    )
    _check_unique_uuids(draft, path)
    return draft


#: ``(kind, uuid, JSON path)``: an element of a payload and the UUID it comes with.
UuidClaim = tuple[str, str, str]


def object_uuid_claims(o: ObjectDraft, at: str) -> list[UuidClaim]:
    """The UUIDs of an object (at JSON path ``at``), its attributes and references."""
    return [
        ("object", o.uuid, at),
        *(("attribute", a.uuid, f"{at}.Attribute[{k}]") for k, a in enumerate(o.attributes)),
        *(
            ("object reference", r.uuid, f"{at}.ObjectReference[{k}]")
            for k, r in enumerate(o.references)
        ),
    ]


def uuid_claims(draft: EventDraft, path: str = "Event") -> list[UuidClaim]:
    """The UUIDs of every attribute, object and object reference of ``draft``, in
    payload order (kinds: "attribute", "object", "object reference")."""
    out = [
        ("attribute", a.uuid, f"{where(path, 'Attribute')}[{i}]")
        for i, a in enumerate(draft.attributes)
    ]
    for j, o in enumerate(draft.objects):
        out += object_uuid_claims(o, f"{where(path, 'Object')}[{j}]")
    return out


def _check_unique_uuids(draft: EventDraft, path: str) -> None:
    """One UUID per attribute, object and reference in a payload (each is stored once)."""
    seen: dict[tuple[str, str], str] = {}
    for kind, uuid, at in uuid_claims(draft, path):
        first = seen.setdefault((kind, uuid), at)
        if first != at:
            raise InvalidInput(f"{at}.uuid: {uuid} is already the UUID of {first}")


def _event_tags(data: Mapping[str, Any]) -> list[Any]:
    """``EventTag: [{"Tag": {...}}]`` as events/index shows tags."""
    out = []
    for item in data.get("EventTag") or []:
        if isinstance(item, Mapping) and isinstance(item.get("Tag"), Mapping):
            out.append(item["Tag"])
    return out
