"""Apply a compiled policy to one MISP event (the inner dict of ``{"Event": ...}``).

Every field is matched against the rules in order and the first rule whose criteria
hold and whose technique handles the field's kind transforms it. Attribute values are
handled per part (``ip-dst|port``: the address, then the port) and re-validated for their
MISP type. Tables (sightings, objects of one name) are anonymized last, on the final
values, so the k reported is the k of the output. The input event is never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from threatmesh.model.envelope import is_protected
from threatmesh.model.errors import InvalidValue
from threatmesh.model.validation.values import normalize_value
from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.detect import KnownValues
from threatmesh.privacy.anonymizer.errors import TechniqueMismatch
from threatmesh.privacy.anonymizer.policy import CompiledPolicy, compile_policy
from threatmesh.privacy.anonymizer.report import Change, Report
from threatmesh.privacy.anonymizer.run import Layer, Run
from threatmesh.privacy.anonymizer.tables import anonymize_tables
from threatmesh.privacy.anonymizer.technique import Context
from threatmesh.privacy.anonymizer.where import Where

#: Fields that describe *other* events or unreviewed proposals: never sent on.
_DROPPED = ("RelatedEvent", "RelatedAttribute", "ShadowAttribute", "Galaxy_Related")
_SENSITIVE = frozenset(
    {kinds.IP, kinds.EMAIL, kinds.HOSTNAME, kinds.USERNAME, kinds.ORG, kinds.URL}
)


def _tag_names(item: dict[str, Any]) -> set[str]:
    return {str(t.get("name")) for t in item.get("Tag") or () if isinstance(t, dict)}


def _known(event: dict[str, Any]) -> dict[str, str]:
    """Sensitive structured values of the event, by value, for free-text redaction."""
    out: dict[str, str] = {}
    for attr, _, _ in _attributes(event):
        if is_protected(attr):
            continue  # a marker, not a value anyone could find in text
        t = str(attr.get("type", ""))
        part_kinds = kinds.part_kinds(t)
        parts = str(attr.get("value", "")).split("|", len(part_kinds) - 1)
        for part, kind in zip(parts, part_kinds, strict=False):
            if kind in _SENSITIVE and part:
                out.setdefault(part, kind)
    return out


def _attributes(
    event: dict[str, Any],
) -> Iterator[tuple[dict[str, Any], str, dict[str, Any] | None]]:
    for i, attr in enumerate(event.get("Attribute") or ()):
        yield attr, f"Event.Attribute[{i}]", None
    for j, obj in enumerate(event.get("Object") or ()):
        for i, attr in enumerate(obj.get("Attribute") or ()):
            yield attr, f"Event.Object[{j}].Attribute[{i}]", obj


def _text(run: Run, item: dict[str, Any], field: str, where: Where, empty: str = "") -> None:
    value = item.get(field)
    if isinstance(value, str) and value:
        _, out = run.apply(where, value)
        item[field] = empty if out is None else out


def _timestamps(run: Run, item: dict[str, Any], base: Where, fields: tuple[str, ...]) -> None:
    for f in fields:
        value = item.get(f)
        if value is None or value == "":
            continue
        where = _sub(base, f, kinds.TIMESTAMP)
        _, out = run.apply(where, str(value))
        if out is not None:
            item[f] = out if isinstance(value, str) else int(out)


def _sub(base: Where, field: str, kind: str, *, typed: bool = False) -> Where:
    return Where(
        f"{base.path}.{field}",
        f"{base.key}.{field}",
        kind,
        base.misp_type if typed else None,
        base.category,
        base.object_name,
        base.relation,
        base.tags,
    )


def _value(run: Run, attr: dict[str, Any], base: Where) -> bool:
    """Transform an attribute's value; False when the attribute must be dropped."""
    t = str(attr.get("type", ""))
    value = str(attr.get("value", ""))
    part_kinds = kinds.part_kinds(t)
    parts = value.split("|", len(part_kinds) - 1) if len(part_kinds) > 1 else [value]
    if len(parts) != len(part_kinds):
        parts, part_kinds = [value], (kinds.VALUE,)
    new: list[str] = []
    matched: frozenset[int] = frozenset()
    for n, (part, kind) in enumerate(zip(parts, part_kinds, strict=True)):
        suffix = "" if len(parts) == 1 else f"[{n}]"
        where = Where(
            f"{base.path}.value{suffix}",
            f"{base.key}.value",
            kind,
            t,
            base.category,
            base.object_name,
            base.relation,
            base.tags,
        )
        hit, out = run.apply(where, part, part_kinds)
        matched |= hit
        if out is None:
            return False
        new.append(out)
    if run.dropping - matched:  # a policy that drops unmatched attributes matched nothing
        return False
    joined = "|".join(new)
    if joined != value:
        _check_type(run, t, joined, base.path)
        attr["value"] = joined
    return True


def _check_type(run: Run, t: str, value: str, path: str) -> None:
    try:
        normalize_value(t, value)
    except InvalidValue:
        change = next(c for c in reversed(run.report.changes) if c.path.startswith(path))
        raise TechniqueMismatch(
            f"{change.rule}: technique {change.technique!r} turned {path}.value into "
            f"{value!r}, which is not a valid {t!r} value"
        ) from None


def _attribute(
    run: Run,
    attr: dict[str, Any],
    path: str,
    obj: dict[str, Any] | None,
    event_tags: frozenset[str],
) -> bool:
    for key in _DROPPED:
        attr.pop(key, None)
    base = Where(
        path,
        "Event.Object.Attribute" if obj is not None else "Event.Attribute",
        kinds.VALUE,
        str(attr.get("type", "")),
        attr.get("category"),
        obj.get("name") if obj is not None else None,
        attr.get("object_relation"),
        event_tags | _tag_names(attr),
    )
    if is_protected(attr):
        if not run.passes_protected:
            # Sealed under CP-ABE: no technique can read it, so none can make it safe.
            run.report.changes.append(
                Change("protected_values", "suppress", f"{path}.value", attr.get("value"), None)
            )
            return False
    elif not _value(run, attr, base):
        return False
    _text(run, attr, "comment", _sub(base, "comment", kinds.TEXT))
    _timestamps(run, attr, base, ("timestamp", "first_seen", "last_seen"))
    for s, sighting in enumerate(attr.get("Sighting") or ()):
        where = Where(f"{path}.Sighting[{s}]", f"{base.key}.Sighting", kinds.TEXT, tags=base.tags)
        _text(run, sighting, "source", _sub(where, "source", kinds.TEXT))
        _timestamps(run, sighting, where, ("date_sighting",))
        org = sighting.get("Organisation")
        if isinstance(org, dict):
            _text(run, org, "name", _sub(where, "Organisation.name", kinds.ORG), "unknown")
    return True


def _content(run: Run, event: dict[str, Any], tags: frozenset[str]) -> None:
    event["Attribute"] = [
        a
        for i, a in enumerate(event.get("Attribute") or ())
        if _attribute(run, a, f"Event.Attribute[{i}]", None, tags)
    ]
    objects = []
    for j, obj in enumerate(event.get("Object") or ()):
        for ref in obj.get("ObjectReference") or ():
            # MISP embeds a copy of the referenced attribute or object: the receiver
            # resolves ``referenced_uuid`` itself, and the copy would bypass the rules.
            ref.pop("Attribute", None)
            ref.pop("Object", None)
        base = Where(
            f"Event.Object[{j}]", "Event.Object", kinds.TEXT, object_name=obj.get("name"), tags=tags
        )
        obj["Attribute"] = [
            a
            for i, a in enumerate(obj.get("Attribute") or ())
            if _attribute(run, a, f"Event.Object[{j}].Attribute[{i}]", obj, tags)
        ]
        _text(run, obj, "comment", _sub(base, "comment", kinds.TEXT))
        _timestamps(run, obj, base, ("timestamp", "first_seen", "last_seen"))
        if obj["Attribute"]:
            objects.append(obj)
    if "Object" in event:
        event["Object"] = objects


def _event_fields(run: Run, event: dict[str, Any], tags: frozenset[str]) -> None:
    base = Where("Event", "Event", kinds.TEXT, tags=tags)
    _text(run, event, "info", _sub(base, "info", kinds.TEXT), "redacted")
    _timestamps(run, event, base, ("timestamp", "publish_timestamp"))
    for org in ("Orgc", "Org"):
        if isinstance(event.get(org), dict):
            _text(run, event[org], "name", _sub(base, f"{org}.name", kinds.ORG), "unknown")
    for n, report in enumerate(event.get("EventReport") or ()):
        where = Where(f"Event.EventReport[{n}]", "Event.EventReport", kinds.TEXT, tags=tags)
        _text(run, report, "name", _sub(where, "name", kinds.TEXT), "redacted")
        _text(run, report, "content", _sub(where, "content", kinds.TEXT))
    if "attribute_count" in event and str(event["attribute_count"]).isdigit():
        raw = event["attribute_count"]
        out = run.number(_sub(base, "attribute_count", kinds.NUMBER), float(raw))
        event["attribute_count"] = str(int(out)) if isinstance(raw, str) else int(out)


def _copy(event: dict[str, Any]) -> dict[str, Any]:
    """A deep copy; through orjson, 5x faster than ``copy.deepcopy`` on MISP's plain JSON."""
    try:
        copied: dict[str, Any] = orjson.loads(orjson.dumps(event))
    except TypeError:  # something that is not JSON (a datetime from a library caller)
        return copy.deepcopy(event)
    return copied


def anonymize_event(
    event: dict[str, Any], policy: CompiledPolicy | dict[str, Any], ctx: Context
) -> tuple[dict[str, Any], Report]:
    """The event as ``policy`` lets it leave, and the report of what changed."""
    compiled = policy if isinstance(policy, CompiledPolicy) else compile_policy(policy)
    return anonymize_event_under([Layer(compiled, ctx)], event)


def anonymize_event_under(
    layers: Sequence[Layer], event: dict[str, Any]
) -> tuple[dict[str, Any], Report]:
    """The event as every policy of ``layers`` together lets it leave (see
    :mod:`threatmesh.privacy.anonymizer.run`: each field gets each policy's technique in
    turn, matched on the original), and the report of what changed."""
    run = Run(layers)
    out = _copy(event)
    for key in _DROPPED:
        out.pop(key, None)
    known = KnownValues(_known(out))
    for layer in layers:
        layer.ctx.known = known
    tags = frozenset(_tag_names(out))
    _event_fields(run, out, tags)
    _content(run, out, tags)
    anonymize_tables(run, out, tags)
    run.report.epsilon_spent = run.epsilon_spent()
    return out, run.report
