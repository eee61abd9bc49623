"""Use case: import another organisation's shared model as an expert of our ensemble.

The checks, in order, each refusing with :class:`ModelRefused` and a reason:

1. the object has its required parts (``objects.REQUIRED``) and the file's data, or,
   sealed, a well-formed envelope;
2. the signature verifies under a trusted key (``--trust``), over the hash and the
   metadata (``objects.SIGNED``; with ``protection``, version 2): no file needed;
3. a sealed file is sealed under the signed policy and opens with the importer's keys
   (:mod:`.protection`); a file the signed metadata says is sealed is not in clear;
4. the (plaintext) file's SHA-256 is the object's ``sha256``;
5. the file is a threatmesh model file of our format and features, and its manifest's
   input features are the object's and ours;
6. it loads (weights as plain tensors, ``torch.load(weights_only=True)``: no pickled
   code runs, and a damaged file is refused);
7. on the importer's own labelled capture its macro-F1 is at least ``min_f1``.

Nothing is decrypted before 2 passes, nothing of the file is parsed before 4 passes.
Then the model joins our ensemble as an expert and the combiner is retrained on our own
data (under ``ebids-guarded``, the expert's alarms are cut on our benign flows:
``calibration``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import Detector
from threatmesh.detection.experts import with_expert
from threatmesh.detection.metrics import report
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services.models import objects, protection
from threatmesh.services.models.objects import ModelRefused, SharedModel
from threatmesh.services.models.protection import KeySource


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: the model's identity and the figures on our capture."""

    object: str
    event: str
    name: str
    signer: str
    protection: str  # cp-abe:<policy> when the file came sealed, else ""
    attack_classes: list[str]
    model_f1: float  # the imported model alone, at its own threshold
    before_f1: float  # our ensemble before
    after_f1: float  # our ensemble with the expert, combiner retrained
    experts: list[str]


def trusted_keys(paths: list[Path]) -> list[Ed25519PublicKey]:
    """Ed25519 public keys from PEM files."""
    keys = []
    for path in paths:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path}: cannot read the trusted key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(f"{path}: the trusted key is not an Ed25519 key")
        keys.append(key)
    return keys


def fetch(client: ThreatmeshClient, ref: str) -> SharedModel:
    """The ``ml-model`` object ``ref`` (an object UUID), or the only one of event ``ref``."""
    try:
        event = client.get_event(ref)
        wanted = None
    except ClientError as exc:
        if exc.status != 404:
            raise
        event, wanted = _event_of_object(client, ref), ref
    found = [
        o
        for o in event.get("Object", [])
        if o.get("name") == objects.NAME and o.get("deleted") not in (True, 1, "1")
        if wanted is None or o.get("uuid") == wanted
    ]
    if not found:
        raise NotFound(f"no {objects.NAME} object {ref} (as an event or an object) visible here")
    if len(found) > 1:
        uuids = ", ".join(str(o.get("uuid")) for o in found)
        raise InvalidInput(f"event {ref} holds several models; name one: {uuids}")
    return objects.parse(event, found[0])


def _event_of_object(client: ThreatmeshClient, ref: str) -> dict[str, Any]:
    try:
        obj = client.request("GET", f"/objects/view/{ref}")["Object"]
        return client.get_event(obj["Event"]["uuid"] if "Event" in obj else obj["event_id"])
    except ClientError as exc:
        if exc.status in (403, 404):
            raise NotFound(f"no event or object {ref} visible here") from None
        raise


def check(
    model: SharedModel,
    trusted: list[Ed25519PublicKey],
    ours: Detector,
    keys: KeySource | None = None,
) -> tuple[Detector, str, bytes]:
    """Checks 2-6 of the module's docstring; the imported model, loaded, its signer and
    its file (opened with ``keys`` if it came sealed)."""
    signer = objects.verify_signature(model, trusted)
    model = protection.open_file(model, keys)
    objects.verify_hash(model)
    source = f"object {model.uuid}"
    try:
        manifest = modelfile.manifest_of(model.file, source)
        det, _ = modelfile.loads(model.file, source)
    except modelfile.ModelError as exc:
        raise ModelRefused(f"the file does not load as a model: {exc.message}") from None
    try:
        declared = json.loads(model.one("input-features"))
    except ValueError:
        declared = None
    if declared != manifest["inputs"]:
        raise ModelRefused(f"{source}: its input-features are not those of its file")
    if manifest["inputs"] != ours.preprocessor.names:
        theirs, mine = set(manifest["inputs"]), set(ours.preprocessor.names)
        raise ModelRefused(
            f"{source}: incompatible input features (missing here: {sorted(theirs - mine)}, "
            f"missing there: {sorted(mine - theirs)}, or another order)"
        )
    return det, signer, model.file


def _f1(det: Detector, capture: FlowBatch) -> float:
    assert capture.labels is not None
    return float(report(capture.labels, det.score(capture.features), det.threshold)["macro_f1"])


def import_model(
    model: SharedModel,
    *,
    trusted: list[Ed25519PublicKey],
    ours: Detector,
    validation: FlowBatch,
    min_f1: float = 0.0,
    combiner: str = "",
    keys: KeySource | None = None,
    calibration: Sequence[FlowBatch] = (),
) -> tuple[Detector, Imported]:
    """Check ``model``, score it on ``validation``, and answer ``ours`` with it as an
    expert (combiner retrained on ``ours``'s pool; ``combiner`` swaps it). ``keys``
    opens a file sealed under a CP-ABE policy (asked only for a sealed file, after the
    signature check). The benign flows of ``calibration``, labelled captures of ours,
    set the expert's cut under a calibrated combiner, in place of the pool's."""
    imported, signer, file = check(model, trusted, ours, keys)
    score = _f1(imported, validation)
    if score < min_f1:
        raise ModelRefused(
            f"object {model.uuid}: macro-F1 {score:.4f} on {validation.source} is below "
            f"the required {min_f1:.4f}"
        )
    name = model.one("name") or model.uuid
    try:
        after = with_expert(ours, name, imported, source=file, combiner=combiner,
                            calibration=calibration)  # fmt: skip
    except ValueError as exc:
        raise ModelRefused(f"object {model.uuid}: {exc}") from None
    return after, Imported(
        model.uuid, model.event, name, signer, model.one(objects.PROTECTION),
        sorted(model.values.get("attack-classes", [])),
        score, _f1(ours, validation), _f1(after, validation), after.models,
    )  # fmt: skip
