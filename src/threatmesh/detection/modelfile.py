"""Model files: weights, preprocessing and a manifest in one zip, as bytes.

``manifest.json`` (format and version, detector, features, base models, metrics, SHA-256
of every member) can be read without torch. Weights load with ``weights_only=True``, so
a model file cannot run code. Writing and reading the file itself is the caller's job.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import fields
from typing import Any

import numpy as np
import torch

from threatmesh import __version__
from threatmesh.detection.combiners import COMBINERS, EnsembleNet
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.ensemble import Ensemble
from threatmesh.detection.features import CIC_FEATURES, FeatureError
from threatmesh.detection.network import BaseNet, TrainConfig
from threatmesh.detection.preprocessing import Preprocessor

FORMAT = "threatmesh-ebids"
FORMAT_VERSION = 1


class ModelError(FeatureError):
    """A model file that is not ours, damaged, or from an incompatible version."""

    name = "Invalid model file"


def dumps(det: Detector, *, metrics: dict[str, Any] | None = None, created: str = "") -> bytes:
    """The model file of a fitted detector."""
    members = {
        "preprocessing.json": json.dumps(det.preprocessor.to_dict()).encode(),
        "weights.pt": _weights(det),
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "threatmesh_version": __version__,
        "torch_version": torch.__version__,
        "created": created,
        "detector": det.name,
        "combiner": det.combiner,
        "models": det.models,
        "features": list(CIC_FEATURES),
        "inputs": det.preprocessor.names,
        # The hyperparameters (compared fields), not the progress callback.
        "train_config": {f.name: getattr(det.cfg, f.name) for f in fields(det.cfg) if f.compare},
        "validation_f1": det.ensemble.validation_f1 if det.ensemble else {},
        "threshold": det.threshold,
        "metrics": metrics or {},
        "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in members.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _weights(det: Detector) -> bytes:
    state: dict[str, Any] = {}
    if det.ensemble is not None and det.ensemble.net is not None:
        state["ensemble"] = det.ensemble.net.state_dict()
        state["pool_x"] = torch.from_numpy(det.ensemble.pool_x)
        state["pool_y"] = torch.from_numpy(det.ensemble.pool_y)
        if det.ensemble.pool_oof is not None:
            state["pool_oof"] = torch.from_numpy(det.ensemble.pool_oof)
    elif det.single is not None:
        state["single"] = det.single.state_dict()
    else:
        raise ValueError(f"detector {det.name} is not fitted")
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def manifest_of(data: bytes, source: str) -> dict[str, Any]:
    """The manifest, checked for format and version; raises :class:`ModelError`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest: dict[str, Any] = json.loads(zf.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ModelError(f"{source}: not a threatmesh model file ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise ModelError(f"{source}: format {manifest.get('format')!r} is not {FORMAT!r}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{source}: model format version {version} is incompatible "
            f"(this threatmesh {__version__} reads version {FORMAT_VERSION})"
        )
    if manifest.get("features") != list(CIC_FEATURES):
        raise ModelError(f"{source}: the model was trained on a different feature set")
    return manifest


def loads(data: bytes, source: str) -> tuple[Detector, dict[str, Any]]:
    """A detector and its manifest back from a model file; hashes are verified."""
    manifest = manifest_of(data, source)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in manifest["sha256"]}
    for name, digest in manifest["sha256"].items():
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise ModelError(f"{source}: {name} does not match its SHA-256 in the manifest")
    pre = Preprocessor.from_dict(json.loads(members["preprocessing.json"]))
    state = torch.load(io.BytesIO(members["weights.pt"]), weights_only=True)
    det = DETECTORS[manifest["detector"]](TrainConfig(**manifest["train_config"]))
    det.preprocessor = pre
    # Files from before thresholds were chosen carry none: 0.5 is what they used.
    det.threshold = float(manifest.get("threshold", 0.5))
    if "single" in state:
        det.single = BaseNet(pre.width)
        det.single.load_state_dict(state["single"])
        det.single.eval()
        return det, manifest
    bases = [BaseNet(pre.width) for _ in manifest["models"]]
    combiner = COMBINERS[manifest["combiner"]](pre.width, len(bases))
    net = EnsembleNet(bases, combiner)  # type: ignore[arg-type]
    if manifest["combiner"] == "moe":
        # Files written before the gate had a prior: a uniform one is what they computed.
        state["ensemble"].setdefault("combiner.prior", torch.zeros(len(bases)))
    net.load_state_dict(state["ensemble"])
    net.eval()
    det.ensemble = Ensemble(
        pre,
        manifest["combiner"],
        det.cfg,
        list(manifest["models"]),
        bases,
        dict(manifest["validation_f1"]),
        np.asarray(state["pool_x"].numpy()),
        np.asarray(state["pool_y"].numpy()),
        net,
        np.asarray(state["pool_oof"].numpy()) if "pool_oof" in state else None,
        det.threshold,
    )
    return det, manifest
