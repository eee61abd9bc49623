"""Importing a shared model: each refusal, with its reason, and the happy path."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.services.models.conftest import DATA
from threatmesh.detection import modelfile
from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import Detector
from threatmesh.detection.onnx_runtime import OnnxScorer, export
from threatmesh.services.detect.training import load_chunk
from threatmesh.services.models import objects
from threatmesh.services.models.importer import import_model
from threatmesh.services.models.objects import ModelRefused, SharedModel
from threatmesh.services.models.publish import metadata

EVENT = {"uuid": "5f0c2b1e-0d6f-4b8e-9a57-000000000001"}


def _shared(data: bytes, key: Ed25519PrivateKey, **override: Any) -> SharedModel:
    """``data`` as a signed ml-model object (metadata from its manifest when it has one)."""
    try:
        manifest = modelfile.manifest_of(data, "b")
        meta = metadata(manifest, name="B day2", created="2026-12-06T00:00:00+00:00")
    except modelfile.ModelError:
        meta = {"name": "B day2", "format": "threatmesh-ebids/1", "input-features": "[]"}
    obj = objects.build(file_name="b.ebids", data=data, meta={**meta, **override}, key=key)
    obj["uuid"] = "5f0c2b1e-0d6f-4b8e-9a57-0000000000aa"
    return objects.parse(EVENT, obj)


def _object(shared: SharedModel) -> dict[str, Any]:
    attrs = [{"object_relation": r, "value": v} for r, vs in shared.values.items() for v in vs]
    for attr in attrs:
        if attr["object_relation"] == "model-file":
            attr["data"] = base64.b64encode(shared.file).decode()
    return {"uuid": shared.uuid, "name": objects.NAME, "Attribute": attrs}


def _import(
    shared: SharedModel, key: Ed25519PrivateKey, ours: Detector, capture: FlowBatch, **how: Any
) -> tuple[Detector, Any]:
    return import_model(shared, trusted=[key.public_key()], ours=ours, validation=capture, **how)


def test_a_checked_model_joins_the_ensemble(
    org_a: Detector, model_b: Path, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key)
    assert shared.values["attack-classes"] == ["DoS-Hping", "Slowloris"]
    det, done = _import(shared, signing_key, org_a, holdout)
    assert det.models == [*org_a.models[:-1], "imported:B day2", "pooled"]
    assert org_a.models[-2] != "imported:B day2"  # ours is left as it was
    assert done.signer == objects.fingerprint(signing_key.public_key())
    assert 0.0 <= done.model_f1 <= 1.0 and done.after_f1 > 0.0
    # The new model file carries the expert; read back, it scores the same.
    again, manifest = modelfile.loads(modelfile.dumps(det), "after")
    assert list(manifest["imported"].values()) == ["imported:B day2"]
    sample = holdout.features[:200]
    assert np.allclose(again.score(sample), det.score(sample), atol=1e-6)
    # One graph: the expert exports to ONNX with the rest.
    onnx = OnnxScorer(export(det), det)
    assert np.allclose(onnx.score(sample), det.score(sample), atol=1e-4)


def test_a_guarded_import_only_adds_alarms(
    org_a: Detector, model_b: Path, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key)
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in (1, 3)]
    det, done = _import(shared, signing_key, org_a, holdout, combiner="ebids-guarded",
                        calibration=days)  # fmt: skip
    assert det.name == "ebids-guarded" and det.threshold == org_a.threshold
    assert done.experts == det.models
    before, after = org_a.score(holdout.features), det.score(holdout.features)
    assert (after >= before - 1e-6).all()
    # On our own benign flows it raises no alarm we did not (the cut is above them all).
    benign = np.vstack([d.features[~d.attack_mask()] for d in days])
    ours = org_a.score(benign) >= org_a.threshold
    assert not ((det.score(benign) >= det.threshold) & ~ours).any()


def test_wrong_hash_is_refused(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key)
    other = SharedModel(shared.uuid, shared.event, shared.values, shared.file + b"\0")
    with pytest.raises(ModelRefused, match="wrong hash"):
        _import(other, signing_key, org_a, holdout)


def test_tampered_metadata_is_a_bad_signature(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key)
    values = copy.deepcopy(shared.values)
    values["metrics"] = ['{"validation_f1": {"pooled": 1.0}}']
    with pytest.raises(ModelRefused, match="bad signature"):
        _import(
            SharedModel(shared.uuid, shared.event, values, shared.file), signing_key, org_a, holdout
        )


def test_an_untrusted_signer_is_refused(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    with pytest.raises(ModelRefused, match="not a trusted key"):
        _import(_shared(model_b.read_bytes(), stranger), signing_key, org_a, holdout)


class _Payload:
    """A pickle that would create a file when unpickled (it must never be)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def _with_weights(data: bytes, weights: bytes) -> bytes:
    """``data`` with its weights replaced, the manifest's member hashes updated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        manifest["sha256"]["weights.pt"] = hashlib.sha256(weights).hexdigest()
        dst.writestr("manifest.json", json.dumps(manifest))
        dst.writestr("preprocessing.json", src.read("preprocessing.json"))
        dst.writestr("weights.pt", weights)
    return out.getvalue()


def test_a_signed_file_with_code_in_it_is_refused_and_runs_nothing(
    model_b: Path,
    org_a: Detector,
    holdout: FlowBatch,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    marker = tmp_path / "ran"
    evil = _with_weights(model_b.read_bytes(), pickle.dumps(_Payload(marker), protocol=2))
    with pytest.raises(ModelRefused, match="does not load as a model"):
        _import(_shared(evil, signing_key), signing_key, org_a, holdout)
    assert not marker.exists()


@pytest.mark.parametrize("broken", [b"not a zip", b"PK\x03\x04truncated"])
def test_a_broken_file_is_refused(
    broken: bytes, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ModelRefused, match="does not load as a model"):
        _import(_shared(broken, signing_key), signing_key, org_a, holdout)


def test_truncated_weights_are_refused(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    data = model_b.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        weights = zf.read("weights.pt")
    cut = _with_weights(data, weights[: len(weights) // 2])
    with pytest.raises(ModelRefused, match="damaged model file"):
        _import(_shared(cut, signing_key), signing_key, org_a, holdout)


def test_input_features_other_than_the_file_are_refused(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key, **{"input-features": '["x"]'})
    with pytest.raises(ModelRefused, match="input-features are not those of its file"):
        _import(shared, signing_key, org_a, holdout)


def test_a_model_below_the_required_f1_is_refused(
    model_b: Path, org_a: Detector, holdout: FlowBatch, signing_key: Ed25519PrivateKey
) -> None:
    shared = _shared(model_b.read_bytes(), signing_key)
    with pytest.raises(ModelRefused, match=r"below the required 1\.0100"):
        _import(shared, signing_key, org_a, holdout, min_f1=1.01)


def test_an_object_without_its_signature_is_refused(
    model_b: Path, signing_key: Ed25519PrivateKey
) -> None:
    obj = _object(_shared(model_b.read_bytes(), signing_key))
    obj["Attribute"] = [a for a in obj["Attribute"] if a["object_relation"] != "signature"]
    with pytest.raises(ModelRefused, match="missing signature"):
        objects.parse(EVENT, obj)


def test_the_signed_message_is_what_the_docs_say(signing_key: Ed25519PrivateKey) -> None:
    values = {"name": ["m"], "sha256": ["ab"], "attack-classes": ["b", "a"], "signer": ["x"]}
    body = json.loads(objects.message(values).removeprefix(objects.SIGNATURE_CONTEXT))
    assert sorted(body) == sorted(objects.SIGNED)  # signer and signature are not signed
    assert body["attack-classes"] == ["a", "b"] and body["framework"] == ""
