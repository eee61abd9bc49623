"""The ``ml-model`` MISP object and its Ed25519 signature.

The object, as a misp-objects template would define it (``TEMPLATE``; docs/cooperation.md
has the table): the model file as an ``attachment``, its ``sha256``, ``framework``,
``format``, ``input-features`` (JSON list, in the order the model reads them),
``training-data`` (JSON: chunks, flows per class, label fraction), ``attack-classes``
(one text attribute per class the model learned), ``metrics`` (JSON), ``created``,
``signer`` (the key's fingerprint) and ``signature``; with the file sealed under a
CP-ABE policy, ``protection`` (``cp-abe:<policy>``, :mod:`.protection`).

What is signed, exactly: the bytes ``SIGNATURE_CONTEXT`` followed by the canonical JSON
(keys sorted, no spaces, ASCII) of an object mapping each relation of ``SIGNED`` to
its attribute value *as published* (strings; ``attack-classes`` as the sorted list of
its values). The file is covered through ``sha256``, the hash of the plaintext file,
which the importer checks against the attachment's bytes (after opening them, when
sealed). A verifier recomputes the message from the values it fetched, so nothing is
re-serialised on the signer's terms.

An object with a ``protection`` attribute is signed as version 2: ``SIGNATURE_CONTEXT_V2``
and the same JSON with ``protection`` added. An object without one is signed exactly as
before (version 1). Removing or adding ``protection`` changes the version, so the
signature fails: a sealed model cannot be passed off as a clear one or the reverse.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from threatmesh.model import envelope
from threatmesh.model.errors import InvalidInput, ThreatmeshError

NAME = "ml-model"
TEMPLATE_UUID = "0b3c6f0e-4f0e-4e5c-9d2a-6d1e6a7c2f10"
TEMPLATE_VERSION = "1"
META_CATEGORY = "misc"
SIGNATURE_CONTEXT = b"threatmesh ml-model signature v1\n"
SIGNATURE_CONTEXT_V2 = b"threatmesh ml-model signature v2\n"
SIGNED = ("name", "sha256", "framework", "format", "input-features", "training-data",
          "attack-classes", "metrics", "created")  # fmt: skip
PROTECTION = "protection"
SIGNED_V2 = (*SIGNED, PROTECTION)
MULTIPLE = frozenset({"attack-classes"})

#: relation -> (MISP attribute type, description), as in a misp-objects definition.
TEMPLATE: dict[str, tuple[str, str]] = {
    "name": ("text", "Name of the model"),
    "model-file": ("attachment", "The model file"),
    "sha256": ("sha256", "SHA-256 of the model file"),
    "framework": ("text", "Framework and version the model runs on"),
    "format": ("text", "Model file format and its version"),
    "input-features": ("text", "JSON list of the input features, in the model's order"),
    "training-data": ("text", "JSON: training chunks, flows per class, label fraction"),
    "attack-classes": ("text", "An attack class the model learned (one per class)"),
    "metrics": ("text", "JSON: the model's validation figures"),
    # text, not datetime: servers rewrite datetime values (MISP and we normalise the
    # format), which would change the signed bytes.
    "created": ("text", "When the model was trained (ISO 8601, as signed)"),
    "signer": ("text", "SHA-256 fingerprint of the signer's Ed25519 public key"),
    "signature": ("text", "Base64 Ed25519 signature (see SIGNED)"),
    PROTECTION: ("text", "How the model file is sealed: cp-abe:<policy> (absent: in clear)"),
}
REQUIRED = ("name", "model-file", "sha256", "format", "input-features", "signer", "signature")


class ModelRefused(ThreatmeshError):
    """A shared model that fails a check: nothing from it is used."""

    status = 422
    name = "Model refused"


def fingerprint(key: Ed25519PublicKey) -> str:
    """``sha256:<hex>`` of the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def message(values: dict[str, list[str]]) -> bytes:
    """The signed bytes of an object's values (relation -> its values as published):
    version 2 when it has a ``protection`` attribute, else version 1."""
    v2 = PROTECTION in values
    signed: dict[str, Any] = {}
    for rel in SIGNED_V2 if v2 else SIGNED:
        got = sorted(values.get(rel, []))
        signed[rel] = got if rel in MULTIPLE else (got[0] if got else "")
    body = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return (SIGNATURE_CONTEXT_V2 if v2 else SIGNATURE_CONTEXT) + body.encode()


@dataclass(frozen=True)
class SharedModel:
    """An ``ml-model`` object as fetched: its values and the attachment's bytes, or,
    when the file is sealed, no bytes yet and the ``model-file`` attribute as fetched
    (type, UUID and ``Protected`` envelope: what opening it needs)."""

    uuid: str
    event: str
    values: dict[str, list[str]]
    file: bytes
    sealed: dict[str, Any] | None = None

    def one(self, rel: str) -> str:
        """The single value of ``rel`` (empty if absent)."""
        got = self.values.get(rel, [])
        return got[0] if got else ""


def build(
    *, file_name: str, data: bytes, meta: dict[str, Any], key: Ed25519PrivateKey
) -> dict[str, Any]:
    """The MISP object (``Object`` body of ``objects/add``) for a model file.

    ``meta`` holds the values of ``SIGNED`` other than ``sha256`` (``attack-classes`` a
    list, the JSON ones already as text), and ``protection`` if the file is to be sealed
    (the caller seals it: :func:`.protection.seal_file`).
    """
    values: dict[str, list[str]] = {
        rel: ([str(v) for v in meta[rel]] if rel in MULTIPLE else [str(meta[rel])])
        for rel in SIGNED_V2
        if rel in meta and rel != "sha256"
    }
    values["sha256"] = [hashlib.sha256(data).hexdigest()]
    values["signer"] = [fingerprint(key.public_key())]
    values["signature"] = [base64.b64encode(key.sign(message(values))).decode()]
    attrs = [_attribute(rel, v) for rel, vs in values.items() for v in vs]
    attrs.insert(1, _attribute("model-file", file_name) | {"data": base64.b64encode(data).decode()})
    return {"name": NAME, "meta-category": META_CATEGORY, "template_uuid": TEMPLATE_UUID,
            "template_version": TEMPLATE_VERSION, "description": "A trained detection model "
            "shared as an indicator, signed by its publisher", "Attribute": attrs}  # fmt: skip


def _attribute(rel: str, value: str) -> dict[str, Any]:
    kind = TEMPLATE[rel][0]
    return {"object_relation": rel, "type": kind, "value": value, "category": "External analysis",
            "to_ids": False, "disable_correlation": kind == "text"}  # fmt: skip


def parse(event: dict[str, Any], obj: dict[str, Any]) -> SharedModel:
    """The object's values and file (or sealed file); :class:`ModelRefused` if a
    required part is missing."""
    values: dict[str, list[str]] = {}
    attachment: dict[str, Any] = {}
    for attr in obj.get("Attribute", []):
        if attr.get("deleted") in (True, 1, "1"):
            continue
        rel = str(attr.get("object_relation", ""))
        values.setdefault(rel, []).append(str(attr.get("value", "")))
        if rel == "model-file":
            attachment = attr
    where = f"object {obj.get('uuid')}"
    missing = [rel for rel in REQUIRED if not values.get(rel)]
    if missing:
        raise ModelRefused(f"{where}: missing {', '.join(missing)}")
    if attachment.get("Protected") is not None:
        return SharedModel(str(obj.get("uuid")), str(event.get("uuid")), values, b"",
                           _sealed(attachment, where))  # fmt: skip
    data = str(attachment.get("data") or "")
    if not data and envelope.is_marker(str(attachment.get("value", ""))):
        raise ModelRefused(
            f"{where}: the model file is sealed but its envelope is missing (a server that "
            "drops the Protected field, such as MISP, cannot carry a sealed model)"
        )
    if not data:
        raise ModelRefused(f"{where}: the model-file attachment has no data")
    try:
        file = base64.b64decode(data, validate=True)
    except ValueError:
        raise ModelRefused(f"{where}: the attachment is not base64") from None
    return SharedModel(str(obj.get("uuid")), str(event.get("uuid")), values, file)


def _sealed(attr: dict[str, Any], where: str) -> dict[str, Any]:
    """What opening a sealed ``model-file`` needs, its envelope's shape checked."""
    try:
        envelope.parse(attr["Protected"], "model-file.Protected")
    except InvalidInput as exc:
        raise ModelRefused(f"{where}: the sealed model file is malformed: {exc.message}") from None
    return {k: attr.get(k) for k in ("type", "uuid", "value", "Protected")}


def verify_signature(model: SharedModel, trusted: list[Ed25519PublicKey]) -> str:
    """Check the signature over the metadata (``sha256`` included) against the trusted
    keys; the signer's fingerprint, or :class:`ModelRefused` saying which check failed.
    Needs no file: it runs before a sealed file is opened."""
    keys = {fingerprint(k): k for k in trusted}
    signer = model.one("signer")
    if signer not in keys:
        raise ModelRefused(f"object {model.uuid}: signed by {signer}, which is not a trusted key")
    try:
        signature = base64.b64decode(model.one("signature"), validate=True)
        keys[signer].verify(signature, message(model.values))
    except (ValueError, InvalidSignature):
        raise ModelRefused(
            f"object {model.uuid}: bad signature: it does not match the file's hash and "
            f"metadata under {signer}"
        ) from None
    return signer


def verify_hash(model: SharedModel) -> None:
    """Check that the (plaintext) file's SHA-256 is the object's signed ``sha256``."""
    actual = hashlib.sha256(model.file).hexdigest()
    if actual != model.one("sha256").lower():
        raise ModelRefused(
            f"object {model.uuid}: wrong hash: the file's SHA-256 is {actual}, "
            f"the object says {model.one('sha256')}"
        )
