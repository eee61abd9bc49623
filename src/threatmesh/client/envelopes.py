"""Protect and reveal MISP attributes and events (client side, before upload / after fetch).

A protected attribute keeps ``type``, ``category``, ``uuid``, flags, tags and comment;
its ``value`` (and ``data``, for attachments such as ML model files) go into the envelope,
bound to the attribute's type and UUID. An attribute the key cannot open stays as it came:
marker value and envelope, nothing else.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid as uuidlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from threatmesh.model import envelope
from threatmesh.model.envelope import BlindIndex
from threatmesh.model.errors import InvalidInput
from threatmesh.model.validation.values import normalize_value
from threatmesh.privacy import blind_index
from threatmesh.privacy.abe import fame, hybrid
from threatmesh.privacy.abe.errors import DecryptionFailed

Attribute = dict[str, Any]


@dataclass(frozen=True)
class IndexKey:
    """A blind-index key and its id (shared by a policy's recipients)."""

    key_id: str
    key: bytes


def context(attr: Attribute) -> bytes:
    """What the envelope is bound to: the attribute's type and UUID."""
    return f"{attr['type']}|{str(attr['uuid']).lower()}".encode()


def _item(attr: Attribute, index: IndexKey | None) -> tuple[Attribute, hybrid.Item]:
    """The attribute without its plaintext, and what to seal for it."""
    out = dict(attr)
    out.setdefault("uuid", str(uuidlib.uuid4()))
    value = str(out.pop("value"))
    # The server cannot check a sealed value against its type, so the client does.
    normalize_value(str(out["type"]), value)
    payload: dict[str, Any] = {"value": value}
    if out.get("data") is not None:
        payload["data"] = out.pop("data")
    tag = None
    if index is not None:
        tag = BlindIndex(index.key_id, blind_index.tag(index.key, out["type"], value))
    return out, hybrid.Item(json.dumps(payload).encode(), context(out), tag)


def protect_attributes(
    attrs: list[Attribute], policy: str, pk: fame.PublicKey, *, index: IndexKey | None = None
) -> list[Attribute]:
    """Copies of ``attrs`` whose values (and data) are sealed under ``policy``, with one
    encapsulation for the whole list."""
    pairs = [_item(a, index) for a in attrs]
    sealed = hybrid.seal_many(pk, policy, [item for _, item in pairs])
    out = []
    for (attr, _), env in zip(pairs, sealed, strict=True):
        attr["value"] = env.marker()
        attr["Protected"] = env.to_json()
        out.append(attr)
    return out


def protect_attribute(
    attr: Attribute, policy: str, pk: fame.PublicKey, *, index: IndexKey | None = None
) -> Attribute:
    """A copy of ``attr`` whose value (and data) are sealed under ``policy``."""
    return protect_attributes([attr], policy, pk, index=index)[0]


def reveal_attribute(
    attr: Attribute, sk: fame.SecretKey, cache: hybrid.SecretCache | None = None
) -> Attribute:
    """``attr`` with its plaintext value back; :class:`DecryptionFailed` if the key
    cannot open it. Unprotected attributes come back unchanged."""
    if "Protected" not in attr:
        return attr
    out = dict(attr)
    _reveal_into(out, envelope.parse(attr["Protected"]), sk, cache)
    return out


def _reveal_into(
    attr: Attribute, sealed: envelope.Envelope, sk: fame.SecretKey, cache: hybrid.SecretCache | None
) -> None:
    """Reveal ``attr`` (the caller's own copy) in place; on any error it is untouched."""
    payload = orjson.loads(hybrid.open_envelope(sk, sealed, context=context(attr), cache=cache))
    del attr["Protected"]
    attr["value"] = payload["value"]
    if "data" in payload:
        attr["data"] = payload["data"]
    attr["protected_policy"] = sealed.policy


def protect_object(
    obj: dict[str, Any], policy: str, pk: fame.PublicKey, *, index: IndexKey | None = None
) -> dict[str, Any]:
    """A copy of a MISP object whose attributes are all protected (name, template and
    relations stay in clear, so template checks still apply)."""
    out: dict[str, Any] = copy.deepcopy(obj)
    out["Attribute"] = protect_attributes(out.get("Attribute", []), policy, pk, index=index)
    return out


def attachment(name: str, content: bytes, *, type_: str = "attachment") -> Attribute:
    """An ``attachment`` attribute (a file such as an ML model) in MISP's shape."""
    return {"type": type_, "value": name, "data": base64.b64encode(content).decode()}


def _attribute_lists(event: dict[str, Any]) -> list[list[Attribute]]:
    lists = [event.setdefault("Attribute", [])]
    lists += [obj.setdefault("Attribute", []) for obj in event.get("Object", [])]
    return lists


def _read_attribute_lists(event: Mapping[str, Any]) -> list[list[Attribute]]:
    """The attribute lists of ``event`` (objects' too), without touching ``event``."""
    lists = [event.get("Attribute") or []]
    lists += [obj.get("Attribute") or [] for obj in event.get("Object") or []]
    return lists


def _with_own_lists(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``event`` with its own event, object and attribute containers (what
    revealing replaces), sharing the rest: a deep copy of a 100-attribute event cost
    about as much as decrypting it."""
    out = dict(event)
    out["Attribute"] = [dict(a) for a in event.get("Attribute") or []]
    if event.get("Object"):
        out["Object"] = [
            {**obj, "Attribute": [dict(a) for a in obj.get("Attribute") or []]}
            for obj in event["Object"]
        ]
    return out


def protect_event(
    event: dict[str, Any],
    policy: str,
    pk: fame.PublicKey,
    *,
    select: Callable[[Attribute], bool] = lambda a: True,
    index: IndexKey | None = None,
) -> dict[str, Any]:
    """A copy of ``event`` whose selected attributes (objects' too) are protected; by
    default all of them (the whole event, its ``info`` and tags excepted)."""
    out: dict[str, Any] = copy.deepcopy(event)
    chosen = [
        (attrs, i) for attrs in _attribute_lists(out) for i, a in enumerate(attrs) if select(a)
    ]
    sealed = protect_attributes([attrs[i] for attrs, i in chosen], policy, pk, index=index)
    for (attrs, i), attr in zip(chosen, sealed, strict=True):
        attrs[i] = attr
    return out


def _envelope(attr: Attribute) -> envelope.Envelope | None:
    try:
        return envelope.parse(attr.get("Protected"))
    except InvalidInput:
        return None


def epochs(event: dict[str, Any]) -> set[int]:
    """The authority epochs ``event``'s protected attributes were sealed under."""
    found = (_envelope(a) for attrs in _read_attribute_lists(event) for a in attrs)
    return {e.epoch for e in found if e is not None}


def reveal_event(
    event: dict[str, Any], keys: Mapping[int, fame.SecretKey | None]
) -> tuple[dict[str, Any], int]:
    """``event`` with every attribute the key of its epoch (in ``keys``) opens revealed,
    and how many protected attributes stay sealed (malformed envelopes included)."""
    out = _with_own_lists(event)
    sealed = 0
    cache: hybrid.SecretCache = {}
    for attrs in _attribute_lists(out):
        for attr in attrs:
            if "Protected" not in attr:
                continue
            env = _envelope(attr)
            sk = None if env is None else keys.get(env.epoch)
            try:
                if env is None or sk is None:
                    raise DecryptionFailed("no key for this epoch")
                _reveal_into(attr, env, sk, cache)  # attrs holds this event's own copies
            except (DecryptionFailed, InvalidInput):
                sealed += 1
    return out, sealed
