"""Experts trained elsewhere: another organisation's model inside our ensemble.

An imported model was fitted with its own preprocessing (its own minima and maxima).
Our ensemble feeds every expert our preprocessed flows, so :class:`ImportedExpert`
maps them back to its scale first: both are min-max scalings of the same CIC features,
so the map is affine per column (``x * scale + shift``, clipped to [0, 1]); the port
type one-hot passes through. The whole thing stays one torch module (one ONNX graph,
one ``state_dict``); the imported model file itself is kept, so our model file can
carry it (``modelfile``) and a reader can check it again, and so is the decision
threshold its owner chose (a calibrated combiner never cuts an expert below it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import DETECTORS, Detector
from threatmesh.detection.ensemble import IMPORTED
from threatmesh.detection.network import F32
from threatmesh.detection.preprocessing import PORT_TYPES, Preprocessor


class ImportedExpert(nn.Module):
    """Our preprocessed flows -> the imported model's preprocessing -> its score."""

    def __init__(
        self, inner: nn.Module, scale: F32, shift: F32, source: bytes = b"", threshold: float = 0.5
    ) -> None:
        super().__init__()
        self.inner = inner
        # Copies (torch.tensor, not from_numpy): loading a state writes into them.
        self.scale: torch.Tensor
        self.shift: torch.Tensor
        self.register_buffer("scale", torch.tensor(np.asarray(scale, np.float32)))
        self.register_buffer("shift", torch.tensor(np.asarray(shift, np.float32)))
        #: The imported model file, as received (not a parameter: saved beside).
        self.source = source
        #: Its owner's decision threshold (from the imported file's manifest).
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.inner(torch.clamp(x * self.scale + self.shift, 0.0, 1.0))
        return out


def rescaling(ours: Preprocessor, theirs: Preprocessor) -> tuple[F32, F32]:
    """(scale, shift) taking our scaled columns to theirs."""
    if ours.names != theirs.names:
        raise ValueError("the two models were preprocessed over different input features")
    if ours.min_ is None or ours.max_ is None or theirs.min_ is None or theirs.max_ is None:
        raise ValueError("preprocessing is not fitted")
    span_ours = np.where(ours.max_ > ours.min_, ours.max_ - ours.min_, 1.0)
    span_theirs = np.where(theirs.max_ > theirs.min_, theirs.max_ - theirs.min_, 1.0)
    scale = span_ours / span_theirs
    shift = (ours.min_ - theirs.min_) / span_theirs
    ports = len(PORT_TYPES)
    return (
        np.concatenate([scale, np.ones(ports)]).astype(np.float32),
        np.concatenate([shift, np.zeros(ports)]).astype(np.float32),
    )


def network_of(det: Detector) -> nn.Module:
    """The fitted torch module of a detector (ensemble or single network)."""
    net: nn.Module | None = det.ensemble.net if det.ensemble is not None else det.single
    if net is None:
        raise ValueError(f"detector {det.name} is not fitted")
    return net


def wrap(ours: Preprocessor, imported: Detector, source: bytes = b"") -> ImportedExpert:
    """``imported`` as an expert fed with flows preprocessed by ``ours``."""
    scale, shift = rescaling(ours, imported.preprocessor)
    return ImportedExpert(network_of(imported), scale, shift, source, imported.threshold)


def benign_of(pre: Preprocessor, batches: Sequence[FlowBatch]) -> F32 | None:
    """The benign flows of labelled ``batches``, preprocessed (None without batches)."""
    if not batches:
        return None
    rows = [pre.transform(b.features[~b.attack_mask()]) for b in batches]
    benign = np.vstack(rows).astype(np.float32)
    if not len(benign):
        raise ValueError("the calibration flows hold no benign flow")
    return benign


def with_expert(
    det: Detector,
    name: str,
    imported: Detector,
    *,
    source: bytes = b"",
    combiner: str = "",
    calibration: Sequence[FlowBatch] = (),
) -> Detector:
    """``det`` (an ensemble) with ``imported`` as one more expert and its combiner
    retrained on ``det``'s own pool; ``combiner`` swaps the combiner (a detector name
    such as ``ebids-max``) at the same time. ``calibration``: labelled flows of ours
    whose benign ones set the imported expert's cut under a calibrated combiner
    (``ebids-guarded``; by default the pool's benign rows). ``det`` itself is left as
    it was."""
    if det.ensemble is None:
        raise ValueError(f"detector {det.name} is not an ensemble: it has no experts to add to")
    name = f"{IMPORTED}{name}"
    target = DETECTORS[combiner or det.name](det.cfg)
    if target.combiner is None:
        raise ValueError(f"detector {combiner} is not an ensemble")
    benign = benign_of(det.preprocessor, calibration)
    ensemble = det.ensemble.recombined(target.combiner)
    ensemble.add_expert(name, wrap(det.preprocessor, imported, source), calibration=benign)
    target.preprocessor, target.ensemble = det.preprocessor, ensemble
    target.threshold = ensemble.threshold
    return target
