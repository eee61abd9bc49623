"""Two organisations' models on the lab sample: A learned days 1 and 3 (SSH-Patator,
WebScan, PortScan), B day 2 (DoS-Hping, Slowloris); few epochs, trained once."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.detectors import Detector
from threatmesh.services.detect.training import describe, load_chunk, save, train

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def org_a() -> Detector:
    """Organisation A's ensemble."""
    days = [load_chunk(DATA / f"day{i}.flows.csv") for i in (1, 3)]
    return train(days, detector="ebids", epochs=3, seed=0)


@pytest.fixture(scope="session")
def model_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Organisation B's model file."""
    day2 = [load_chunk(DATA / "day2.flows.csv")]
    path = tmp_path_factory.mktemp("b") / "b.ebids"
    save(
        train(day2, detector="ebids", epochs=3, seed=1),
        path,
        created="2026-12-06T00:00:00+00:00",
        training=describe(day2),
    )
    return path


@pytest.fixture(scope="session")
def holdout() -> FlowBatch:
    """The held-out capture (A's validation capture)."""
    return load_chunk(DATA / "holdout.flows.csv")


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    """Organisation B's key (fixed, so the tests are repeatable)."""
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def pem_files(key: Ed25519PrivateKey, folder: Path) -> tuple[Path, Path]:
    """(private, public) PEM files of ``key`` in ``folder``."""
    private = folder / "signing.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = folder / "trusted.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public
