"""The hash chain: intact chains verify; any single change is found and named."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.model.errors import InvalidInput
from threatmesh.privacy.provenance.canonical import canonical_json
from threatmesh.privacy.provenance.chain import GENESIS, Head, Record, Signer, verify

SIGNER = Signer.generate()
KEYS = {SIGNER.key_id: SIGNER.public_key}


def _chain(n: int) -> list[Record]:
    out: list[Record] = []
    head = Head()
    for i in range(n):
        payload = {"i": i, "content_sha256": f"{i:064x}"}
        record = SIGNER.seal(head, kind="event-version", subject=f"s{i % 3}", created=1000 + i,
                             payload=payload)  # fmt: skip
        out.append(record)
        head = Head(record.seq, record.record_hash)
    return out


def _problems(records: list[Record], head: Head | None = None) -> set[tuple[int, str]]:
    return {(p.seq, p.problem) for p in verify(records, KEYS, head).problems}


def test_intact_chain_verifies() -> None:
    records = _chain(6)
    assert records[0].prev_hash == GENESIS
    report = verify(records, KEYS, Head(6, records[-1].record_hash))
    assert report.ok and report.checked == 6
    assert verify([], KEYS, Head()).ok


def test_each_kind_of_tampering_is_named() -> None:
    records = _chain(6)
    head = Head(6, records[-1].record_hash)
    altered = [*records]
    altered[2] = dataclasses.replace(records[2], payload={"i": 99})
    assert _problems(altered, head) == {(3, "altered")}
    deleted = records[:2] + records[3:]
    assert _problems(deleted, head) == {(4, "missing")}
    swapped = [*records]
    swapped[2], swapped[3] = (
        dataclasses.replace(records[3], seq=3),
        dataclasses.replace(records[2], seq=4),
    )
    assert {p for _, p in _problems(swapped, head)} == {"reordered"}
    forged = [*records]
    forged[4] = dataclasses.replace(records[4], signature=records[1].signature)
    assert _problems(forged, head) == {(5, "bad-signature")}
    assert _problems(records[:5], head) == {(5, "truncated")}
    other = Signer.generate()
    assert (1, "bad-signature") in {(p.seq, p.problem) for p in verify(records, {
        other.key_id: other.public_key}).problems}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 8),
    index=st.integers(0, 7),
    field=st.sampled_from(["kind", "subject", "created", "payload", "prev_hash", "signature"]),
)
def test_any_single_change_is_detected(n: int, index: int, field: str) -> None:
    records = _chain(n)
    i = index % n
    value = getattr(records[i], field)
    changed: object
    if isinstance(value, int):
        changed = value + 1
    elif isinstance(value, dict):
        changed = {**value, "extra": 1}
    elif field == "signature":
        changed = records[(i + 1) % n].signature
    else:
        changed = value[:-1] + ("0" if value[-1] != "0" else "1")
    tampered = [*records]
    tampered[i] = dataclasses.replace(records[i], **{field: changed})
    assert not verify(tampered, KEYS, Head(n, records[-1].record_hash)).ok


def test_signer_round_trips_through_pem() -> None:
    again = Signer.from_pem(SIGNER.private_pem())
    assert again.key_id == SIGNER.key_id and again.public_pem() == SIGNER.public_pem()


def test_canonical_json_is_stable_and_strict() -> None:
    assert (
        canonical_json({"b": 1, "a": ["é", True, None]}) == '{"a":["é",true,null],"b":1}'.encode()
    )
    with pytest.raises(InvalidInput, match=r"\$\.x"):
        canonical_json({"x": 1.5})
