"""ONNX export of a fitted detector and inference through ONNX Runtime.

The exported graph takes preprocessed flows (float32, any batch size) and returns the
attack score; preprocessing stays in numpy, shared with the PyTorch path.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import torch

from threatmesh.detection.batch import Matrix
from threatmesh.detection.detectors import Detector
from threatmesh.detection.network import F32


def export(det: Detector) -> bytes:
    """The detector's network as an ONNX model (bytes)."""
    net: torch.nn.Module | None = det.ensemble.net if det.ensemble else det.single
    if net is None:
        raise ValueError(f"detector {det.name} is not fitted")
    net.eval()
    sample = torch.zeros((2, det.preprocessor.width), dtype=torch.float32)
    buf = io.BytesIO()
    # The TorchScript exporter: this graph is small and static, and it needs no onnxscript
    # (torch 2.13's dynamo exporter also trips over its own FutureWarnings); torch flags it
    # as legacy, which is not our users' concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            (sample,),
            buf,  # type: ignore[arg-type]
            input_names=["flows"],
            output_names=["score"],
            dynamic_axes={"flows": {0: "n"}, "score": {0: "n"}},
            dynamo=False,
            opset_version=17,
        )
    return buf.getvalue()


class OnnxScorer:
    """Scores raw CIC features with an exported model on one CPU thread."""

    def __init__(self, model: bytes, det: Detector, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - part of the ml extra
            raise ImportError("ONNX inference needs pip install 'threatmesh[ml]'") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session: Any = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.preprocessor = det.preprocessor

    def score(self, features: Matrix) -> F32:
        """Attack score of each row."""
        x = self.preprocessor.transform(features)
        if len(x) == 0:
            return np.zeros(0, np.float32)
        out = self.session.run(["score"], {"flows": x})[0]
        return np.asarray(out, dtype=np.float32)
