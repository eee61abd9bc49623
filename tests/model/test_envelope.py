"""The protected-value envelope's JSON shape, as the server checks it."""

from __future__ import annotations

from typing import Any

import pytest

from threatmesh.model import envelope
from threatmesh.model.errors import InvalidInput

GOOD: dict[str, Any] = {
    "v": 1,
    "scheme": "fame-bls12-381",
    "epoch": 2,
    "policy": "org:CERT",
    "abe": "VE1GMQ==",
    "nonce": "AAAAAAAAAAAAAAAA",
    "body": "A" * 24,
}


def test_round_trip_and_pymisp_strings() -> None:
    parsed = envelope.parse(GOOD)
    assert envelope.parse(parsed.to_json()) == parsed
    # PyMISP re-serialises integers as strings.
    assert envelope.parse(GOOD | {"v": "1", "epoch": "2"}) == parsed
    assert parsed.marker().startswith("protected:") and len(parsed.marker()) == 42


def test_blind_index_marker_is_the_tag() -> None:
    bi = {"key_id": "0b6c2b1e-6a1f-4c55-9d0e-0a3b6f1d2c4e", "tag": "ab" * 32}
    parsed = envelope.parse(GOOD | {"blind_index": bi})
    assert parsed.marker() == f"protected:{bi['key_id']}:{bi['tag']}"
    other = envelope.parse(GOOD | {"body": "B" * 24, "blind_index": bi})
    assert other.marker() == parsed.marker()  # equal values under one key correlate


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "Protected.v: unsupported envelope version"),
        ({"scheme": "bsw07"}, "Protected.scheme: unsupported scheme"),
        ({"epoch": 0}, "Protected.epoch"),
        ({"epoch": True}, "Protected.epoch"),
        ({"policy": " "}, "Protected.policy"),
        ({"policy": "a" * 5000}, "Protected.policy"),
        ({"abe": 5}, "Protected.abe: expected a base64 string"),
        ({"abe": "***"}, "Protected.abe: not valid base64"),
        ({"nonce": "AAAA"}, "Protected.nonce: expected 12 bytes, got 3"),
        ({"body": "AAAA"}, "Protected.body: shorter than the 16-byte GCM tag"),
        ({"blind_index": "x"}, "Protected.blind_index: expected an object"),
        ({"blind_index": {"key_id": "X", "tag": "ab" * 32}}, "blind_index.key_id"),
        (
            {"blind_index": {"key_id": "0b6c2b1e-6a1f-4c55-9d0e-0a3b6f1d2c4e", "tag": "zz"}},
            "blind_index.tag",
        ),
    ],
)
def test_bad_envelopes_name_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        envelope.parse(GOOD | change)


def test_not_an_object() -> None:
    with pytest.raises(InvalidInput, match=r"Attribute\.Protected: expected an envelope object"):
        envelope.parse("protected", "Attribute.Protected")
