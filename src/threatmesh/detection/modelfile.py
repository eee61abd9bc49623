"""Model files: weights, preprocessing and a manifest in one zip, as bytes.

``manifest.json`` (format and version, detector, features, base models, metrics, SHA-256
of every member) can be read without torch. Weights load with ``weights_only=True``, so
a model file cannot run code. Writing and reading the file itself is the caller's job.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zipfile
from dataclasses import fields
from typing import Any

import numpy as np
import torch
from torch import nn

from threatmesh import __version__
from threatmesh.detection.combiners import COMBINERS, EnsembleNet
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.ensemble import Ensemble
from threatmesh.detection.experts import ImportedExpert, network_of
from threatmesh.detection.features import CIC_FEATURES, FeatureError
from threatmesh.detection.network import BaseNet, TrainConfig
from threatmesh.detection.preprocessing import Preprocessor

FORMAT = "threatmesh-ebids"
FORMAT_VERSION = 1


class ModelError(FeatureError):
    """A model file that is not ours, damaged, or from an incompatible version."""

    name = "Invalid model file"


def dumps(
    det: Detector,
    *,
    metrics: dict[str, Any] | None = None,
    created: str = "",
    training: dict[str, Any] | None = None,
) -> bytes:
    """The model file of a fitted detector; ``training`` describes what it learned from
    (chunks, flows per class), which a shared model's MISP object repeats."""
    members = {
        "preprocessing.json": json.dumps(det.preprocessor.to_dict()).encode(),
        "weights.pt": _weights(det),
    }
    imported = _imported(det)
    members.update({member: source for member, (_, source) in imported.items()})
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
        "training": training or {},
        # Experts imported from other organisations: their model files, as received.
        "imported": {member: name for member, (name, _) in imported.items()},
        "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in members.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _imported(det: Detector) -> dict[str, tuple[str, bytes]]:
    """Member name -> (expert name, its model file) of each imported expert."""
    if det.ensemble is None:
        return {}
    return {
        f"experts/{i}.model": (name, base.source)
        for i, (name, base) in enumerate(zip(det.ensemble.names, det.ensemble.bases, strict=True))
        if isinstance(base, ImportedExpert)
    }


def _weights(det: Detector) -> bytes:
    state: dict[str, Any] = {}
    if det.ensemble is not None and det.ensemble.net is not None:
        state["ensemble"] = det.ensemble.net.state_dict()
        state["pool_x"] = torch.from_numpy(det.ensemble.pool_x)
        state["pool_y"] = torch.from_numpy(det.ensemble.pool_y)
        if det.ensemble.pool_oof is not None:
            state["pool_oof"] = torch.from_numpy(det.ensemble.pool_oof)
        if det.ensemble.calibration_x is not None:
            state["calibration_x"] = torch.from_numpy(det.ensemble.calibration_x)
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


#: How deep imported experts may nest (a model importing a model importing ...).
MAX_DEPTH = 4


def loads(data: bytes, source: str, *, depth: int = 0) -> tuple[Detector, dict[str, Any]]:
    """A detector and its manifest back from a model file; hashes are verified. Any
    damage (a missing member, weights that do not fit, a truncated archive) is a
    :class:`ModelError` naming the file."""
    try:
        return _loads(data, source, depth)
    except ModelError:
        raise
    # What torch, zipfile and json raise on a damaged file (weights_only refuses any
    # pickle that is not plain tensors with UnpicklingError).
    except (KeyError, ValueError, TypeError, RuntimeError, EOFError, OSError,
            zipfile.BadZipFile, pickle.UnpicklingError) as exc:  # fmt: skip
        raise ModelError(f"{source}: damaged model file ({type(exc).__name__}: {exc})") from None


def _loads(data: bytes, source: str, depth: int) -> tuple[Detector, dict[str, Any]]:
    if depth > MAX_DEPTH:
        raise ModelError(f"{source}: imported experts nest deeper than {MAX_DEPTH}")
    manifest = manifest_of(data, source)
    if not set(manifest.get("imported", {})) <= set(manifest["sha256"]):
        raise ModelError(f"{source}: an imported expert is not among the hashed members")
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
    imported = {name: member for member, name in manifest.get("imported", {}).items()}
    bases = [
        _expert(members[imported[name]], f"{source}:{name}", pre.width, depth)
        if name in imported
        else BaseNet(pre.width)
        for name in manifest["models"]
    ]
    combiner = COMBINERS[manifest["combiner"]](pre.width, len(bases))
    net = EnsembleNet(bases, combiner)
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
        np.asarray(state["calibration_x"].numpy()) if "calibration_x" in state else None,
    )
    return det, manifest


def _expert(data: bytes, source: str, width: int, depth: int) -> nn.Module:
    """An imported expert's module, its weights still to load from the outer state."""
    inner, _ = _loads(data, source, depth + 1)
    zeros = np.zeros(width, np.float32)
    return ImportedExpert(network_of(inner), zeros, zeros, data, inner.threshold)
