"""The benign-profile anomaly detector on the lab's captures (flows labelled by the lab's
own schedule): it learns from benign flows only, and flags what is far from them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from threatmesh.detection.anomaly import BenignProfile
from threatmesh.services.detect.training import load_chunk

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def profile() -> BenignProfile:
    chunks = [load_chunk(DATA / f"day{i}.flows.csv") for i in range(1, 5)]
    return BenignProfile.fit(np.vstack([b.features[~b.attack_mask()] for b in chunks]))


def test_on_held_out_traffic_it_flags_floods_and_scans_and_spares_benign(
    profile: BenignProfile,
) -> None:
    holdout = load_chunk(DATA / "holdout.flows.csv")
    flagged = profile.score(holdout.features) >= 0.99
    labels = np.array(holdout.labels)
    rate = {lab: float(flagged[labels == lab].mean()) for lab in set(holdout.labels)}
    assert rate["BENIGN"] <= 0.03  # about 1 % by construction, on unseen benign traffic
    assert rate["DoS-Hping"] >= 0.9 and rate["PortScan"] >= 0.9 and rate["Slowloris"] >= 0.8
    # A login attempt or a web request looks like benign traffic in this view: the
    # detector says so rather than guessing (that is what EBIDS's labels are for).
    assert rate["SSH-Patator"] <= 0.2


def test_a_profile_survives_json_and_a_wrong_one_is_refused(profile: BenignProfile) -> None:
    data = json.loads(json.dumps(profile.to_dict()))
    back = BenignProfile.from_dict(data)
    rows = load_chunk(DATA / "day1.flows.csv").features[:50]
    assert np.allclose(back.score(rows), profile.score(rows))
    with pytest.raises(ValueError, match="feature view"):
        BenignProfile.from_dict({**data, "view": data["view"][:-1]})
    with pytest.raises(ValueError, match="shapes"):
        BenignProfile.from_dict({**data, "mean": data["mean"][:-1]})
    with pytest.raises(ValueError, match="non-finite"):
        BenignProfile.from_dict({**data, "mean": [float("nan")] * len(data["mean"])})


def test_too_few_benign_flows_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="need more than"):
        BenignProfile.fit(np.zeros((3, 78)))
