"""A shared model whose file is sealed under a CP-ABE policy, its metadata in clear:
published, opened by keys that satisfy the policy, refused otherwise, and every refusal
with its reason, the signature checked before anything is decrypted."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from threatmesh.client.envelopes import reveal_event
from threatmesh.client.http import ThreatmeshClient
from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import Detector
from threatmesh.model import envelope
from threatmesh.privacy.abe import fame, serial
from threatmesh.privacy.abe.errors import PolicyError
from threatmesh.services.models import objects, protection
from threatmesh.services.models.importer import import_model
from threatmesh.services.models.objects import ModelRefused, SharedModel
from threatmesh.services.models.protection import KeySource
from threatmesh.services.models.publish import metadata, publish

EVENT = {"uuid": "5f0c2b1e-0d6f-4b8e-9a57-000000000002"}
OBJECT = {"uuid": "5f0c2b1e-0d6f-4b8e-9a57-0000000000cc"}
POLICY = "org:ORG-A or (sector:finance and role:analyst)"


@pytest.fixture(scope="module")
def authority() -> tuple[fame.PublicKey, fame.MasterKey]:
    return fame.setup(1)


def _keys(authority: tuple[fame.PublicKey, fame.MasterKey], *attrs: str) -> KeySource:
    sk = fame.keygen(authority[1], list(attrs))
    return lambda epoch: sk if epoch == sk.epoch else None


def _object(
    data: bytes, key: Ed25519PrivateKey, pk: fame.PublicKey, *, policy: str = POLICY
) -> dict[str, Any]:
    """``data`` as a signed ml-model object, its file sealed under ``policy``, as the
    server answers it."""
    manifest = modelfile.manifest_of(data, "b")
    meta = metadata(manifest, name="B day2", created="2026-12-06T00:00:00+00:00")
    meta[objects.PROTECTION] = protection.declared(policy)
    obj = objects.build(file_name="b.ebids", data=data, meta=meta, key=key)
    obj = protection.seal_file(obj, policy, pk)
    return {**obj, "uuid": "5f0c2b1e-0d6f-4b8e-9a57-0000000000bb"}


def _attr(obj: dict[str, Any], rel: str) -> dict[str, Any]:
    (found,) = [a for a in obj["Attribute"] if a["object_relation"] == rel]
    return found


def _import(
    obj: dict[str, Any], key: Ed25519PrivateKey, ours: Detector, capture: FlowBatch,
    keys: KeySource | None,
) -> Any:  # fmt: skip
    shared = objects.parse(EVENT, obj)
    return import_model(shared, trusted=[key.public_key()], ours=ours, validation=capture,
                        keys=keys)  # fmt: skip


@dataclass
class Case:
    """What every import test uses: B's model file, its signing key, the key authority,
    organisation A's detector and the held-out capture A validates on."""

    data: bytes
    key: Ed25519PrivateKey
    authority: tuple[fame.PublicKey, fame.MasterKey]
    ours: Detector
    capture: FlowBatch

    def sealed(self, *, policy: str = POLICY) -> dict[str, Any]:
        """B's model as a signed object, its file sealed under ``policy``."""
        return _object(self.data, self.key, self.authority[0], policy=policy)

    def keys(self, *attrs: str) -> KeySource:
        return _keys(self.authority, *attrs)

    def import_(self, obj: dict[str, Any], keys: KeySource | None) -> Any:
        return _import(obj, self.key, self.ours, self.capture, keys)


@pytest.fixture
def case(
    model_b: Path,
    org_a: Detector,
    holdout: FlowBatch,
    signing_key: Ed25519PrivateKey,
    authority: tuple[fame.PublicKey, fame.MasterKey],
) -> Case:
    return Case(model_b.read_bytes(), signing_key, authority, org_a, holdout)


class _Server:
    """The three calls ``publish`` makes, in memory; what it was sent."""

    def __init__(self, pk: fame.PublicKey) -> None:
        self.pk = pk
        self.sent: list[tuple[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/abe/public_key":
            public = json.loads(serial.dump_public(self.pk))
            return httpx.Response(200, json={"epoch": 1, "public_key": public})
        self.sent.append((path, json.loads(request.content)))
        if path == "/events/add":
            return httpx.Response(200, json={"Event": {"uuid": EVENT["uuid"]}})
        return httpx.Response(200, json={"Object": OBJECT})


def test_publish_seals_the_file_only_and_signs_the_policy(
    model_b: Path, signing_key: Ed25519PrivateKey, authority: tuple[fame.PublicKey, Any]
) -> None:
    server = _Server(authority[0])
    client = ThreatmeshClient("http://server", "key", transport=httpx.MockTransport(server))
    data = model_b.read_bytes()
    done = publish(client, model_b, signing_key, created="x", name="B day2", policy=POLICY)
    assert done.protection == f"cp-abe:{POLICY}"
    assert done.sha256 == hashlib.sha256(data).hexdigest()  # the plaintext's hash
    assert [path for path, _ in server.sent] == ["/events/add", f"/objects/add/{EVENT['uuid']}"]
    obj = server.sent[1][1]["Object"]
    sealed = _attr(obj, "model-file")
    assert "data" not in sealed and envelope.is_marker(sealed["value"])
    assert envelope.parse(sealed["Protected"]).policy == POLICY
    assert base64.b64encode(data).decode()[:64] not in json.dumps(obj)
    values = objects.parse(EVENT, obj).values
    assert values["protection"] == [f"cp-abe:{POLICY}"]
    assert objects.message(values).startswith(objects.SIGNATURE_CONTEXT_V2)
    signing_key.public_key().verify(
        base64.b64decode(values["signature"][0]), objects.message(values)
    )
    # A policy that does not parse: refused before anything is sent.
    server.sent.clear()
    with pytest.raises(PolicyError):
        publish(client, model_b, signing_key, created="x", policy="org:A and")
    assert server.sent == []


def test_keys_that_satisfy_the_policy_open_it(
    case: Case,
) -> None:
    obj = case.sealed()
    det, done = case.import_(obj, case.keys("org:ORG-A"))
    assert done.protection == f"cp-abe:{POLICY}"
    assert det.models[-2] == "imported:B day2"
    # The output model carries the plaintext file, as received once opened.
    _, manifest = modelfile.loads(modelfile.dumps(det), "after")
    assert list(manifest["imported"].values()) == ["imported:B day2"]


def test_keys_that_do_not_satisfy_the_policy_are_refused(
    case: Case,
) -> None:
    obj = case.sealed()
    keys = case.keys("org:ORG-C", "sector:finance")
    with pytest.raises(ModelRefused) as refused:
        case.import_(obj, keys)
    assert refused.value.message.endswith(
        f"the model file is sealed under {POLICY} and your keys do not satisfy it "
        "(they carry org:ORG-C, sector:finance)"
    )


@pytest.mark.parametrize("keys", [None, lambda epoch: None], ids=["no-keyring", "revoked"])
def test_no_key_is_refused(
    keys: KeySource | None,
    case: Case,
) -> None:
    obj = case.sealed()
    with pytest.raises(ModelRefused, match="you hold no key of that epoch"):
        case.import_(obj, keys)


def _flip(sealed: dict[str, Any], field: str) -> None:
    raw = bytearray(base64.b64decode(sealed["Protected"][field]))
    raw[len(raw) // 2] ^= 1
    sealed["Protected"][field] = base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("field", ["body", "nonce"])
def test_a_tampered_ciphertext_is_refused(
    field: str,
    case: Case,
) -> None:
    obj = case.sealed()
    _flip(_attr(obj, "model-file"), field)
    opened = r"the sealed model file does not open: its ciphertext was changed .*authentication"
    with pytest.raises(ModelRefused, match=opened):
        case.import_(obj, case.keys("org:ORG-A"))


def test_the_signature_is_checked_before_anything_is_decrypted(
    case: Case,
) -> None:
    obj = case.sealed()
    _attr(obj, "metrics")["value"] = '{"validation_f1": {"pooled": 1.0}}'
    asked: list[int] = []

    def keys(epoch: int) -> fame.SecretKey | None:
        asked.append(epoch)
        return fame.keygen(case.authority[1], ["org:ORG-A"])

    with pytest.raises(ModelRefused, match="bad signature"):
        case.import_(obj, keys)
    assert asked == []


def _drop_protection(obj: dict[str, Any]) -> None:
    obj["Attribute"] = [a for a in obj["Attribute"] if a["object_relation"] != "protection"]


def _widen_protection(obj: dict[str, Any]) -> None:
    _attr(obj, "protection")["value"] = "cp-abe:org:ORG-A or org:ORG-C"


def _widen_envelope(obj: dict[str, Any]) -> None:
    _attr(obj, "model-file")["Protected"]["policy"] = "org:ORG-A or org:ORG-C"


WIDENED = "sealed under org:ORG-A or org:ORG-C, but its publisher signed"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_drop_protection, "bad signature"),  # version 2 read as version 1
        (_widen_protection, "bad signature"),
        (_widen_envelope, f"{WIDENED} {POLICY}"),
    ],
)
def test_the_policy_cannot_be_edited(
    edit: Any,
    reason: str,
    case: Case,
) -> None:
    obj = case.sealed()
    edit(obj)
    with pytest.raises(ModelRefused, match=re.escape(reason)):
        case.import_(obj, case.keys("org:ORG-A"))


def test_an_edited_envelope_policy_does_not_open_either(
    case: Case,
) -> None:
    """Beyond the signed ``protection``: the policy is bound to the ciphertext, so an
    envelope whose policy was replaced does not open for the new policy's holders (here
    with ``protection`` replaced to match, checked without the signature)."""
    obj = case.sealed(policy="org:ORG-A")
    _attr(obj, "model-file")["Protected"]["policy"] = "org:ORG-C"
    _attr(obj, "protection")["value"] = "cp-abe:org:ORG-C"
    shared = objects.parse(EVENT, obj)
    with pytest.raises(ModelRefused, match="the sealed model file does not open"):
        protection.open_file(shared, case.keys("org:ORG-C"))


def test_a_copy_in_clear_of_a_sealed_model_is_refused(
    case: Case,
) -> None:
    """Someone who opened it republishes the object with the file in clear, the
    publisher's signature kept: the signed ``protection`` says it should be sealed."""
    data = case.data
    obj = case.sealed()
    attr = _attr(obj, "model-file")
    del attr["Protected"]
    attr.update(value="b.ebids", data=base64.b64encode(data).decode())
    with pytest.raises(ModelRefused, match="carries it in clear"):
        case.import_(obj, None)


def test_a_sealed_file_under_clear_metadata_is_refused(
    case: Case,
) -> None:
    """A version-1 object (no ``protection``) whose attachment was sealed afterwards."""
    data = case.data
    meta = metadata(modelfile.manifest_of(data, "b"), name="B day2", created="x")
    obj = objects.build(file_name="b.ebids", data=data, meta=meta, key=case.key)
    obj = {**protection.seal_file(obj, POLICY, case.authority[0]), "uuid": "x"}
    with pytest.raises(ModelRefused, match="the signed metadata declares no protection"):
        case.import_(obj, case.keys("org:ORG-A"))


def test_a_marker_without_its_envelope_is_refused(
    case: Case,
) -> None:
    obj = case.sealed()
    del _attr(obj, "model-file")["Protected"]  # what a server that drops it answers
    with pytest.raises(ModelRefused, match="sealed but its envelope is missing"):
        objects.parse(EVENT, obj)
    obj = case.sealed()
    _attr(obj, "model-file")["Protected"]["nonce"] = "AAAA"
    with pytest.raises(ModelRefused, match="the sealed model file is malformed"):
        objects.parse(EVENT, obj)


def test_threatmesh_reveal_opens_it_too(
    case: Case,
) -> None:
    """The envelope is the one ``protect-file`` makes: ``reveal`` opens the object's
    file (what ``threatmesh reveal`` runs on a fetched event)."""
    data = case.data
    obj = case.sealed()
    sk = fame.keygen(case.authority[1], ["org:ORG-A"])
    revealed, sealed = reveal_event({"Object": [copy.deepcopy(obj)]}, {1: sk})
    assert sealed == 0
    attr = _attr(revealed["Object"][0], "model-file")
    assert attr["value"] == "b.ebids" and base64.b64decode(attr["data"]) == data
    _, still = reveal_event({"Object": [obj]}, {1: fame.keygen(case.authority[1], ["org:ORG-C"])})
    assert still == 1


def test_the_signed_message_v2_adds_the_protection() -> None:
    values = {"name": ["m"], "sha256": ["ab"], "protection": ["cp-abe:org:A"]}
    signed = objects.message(values)
    assert signed.startswith(objects.SIGNATURE_CONTEXT_V2)
    body = json.loads(signed.removeprefix(objects.SIGNATURE_CONTEXT_V2))
    assert sorted(body) == sorted([*objects.SIGNED, "protection"])
    assert body["protection"] == "cp-abe:org:A"
    del values["protection"]  # without it: version 1, byte for byte as before
    assert objects.message(values).startswith(objects.SIGNATURE_CONTEXT)


def test_unknown_protection_is_refused(signing_key: Ed25519PrivateKey) -> None:
    shared = SharedModel("u", "e", {"protection": ["rot13"]}, b"file")
    with pytest.raises(ModelRefused, match="unknown protection 'rot13'"):
        protection.open_file(shared, None)
