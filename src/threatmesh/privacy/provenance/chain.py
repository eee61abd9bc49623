"""Hash-chained, Ed25519-signed records, and the verification of a chain.

Each record's hash is SHA-256 over the canonical JSON of ``{kind, subject, created,
payload, prev}``, where ``prev`` is the hash of the record before it (64 zeros for the
first); the signature is Ed25519 over that hash. The position ``seq`` is deliberately
*not* hashed: a record moved to another position keeps a valid hash, so the verifier
can tell "reordered" (it links to a record that is elsewhere) from "altered" (its hash
no longer matches its content) and "missing" (it links to a record that is gone).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from threatmesh.privacy.provenance.canonical import sha256_hex

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Record:
    """One entry of the log, as stored."""

    seq: int
    kind: str
    subject: str
    created: int
    payload: dict[str, Any]
    prev_hash: str
    record_hash: str
    signature: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Head:
    """The last position and hash of a chain (``seq`` 0 and :data:`GENESIS` when empty)."""

    seq: int = 0
    record_hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong at one position of the chain."""

    seq: int
    kind: str
    problem: str  # "altered", "bad-signature", "missing", "reordered", "truncated"
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return {"seq": self.seq, "kind": self.kind, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Report:
    """The result of verifying a chain."""

    checked: int
    head: Head
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems


def record_hash(kind: str, subject: str, created: int, payload: dict[str, Any], prev: str) -> str:
    """The hash a record with these fields must carry."""
    body = {"kind": kind, "subject": subject, "created": created, "payload": payload, "prev": prev}
    return sha256_hex(body)


class Signer:
    """An Ed25519 key that signs record hashes."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def generate(cls) -> Signer:
        """A fresh key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: str) -> Signer:
        """A key from its PKCS#8 PEM form (see :meth:`private_pem`)."""
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the provenance key is not an Ed25519 key")
        return cls(key)

    def private_pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_pem(self) -> str:
        """The public key as SubjectPublicKeyInfo PEM (for pinning by verifiers)."""
        return public_pem(self.public_key)

    def seal(
        self, head: Head, *, kind: str, subject: str, created: int, payload: dict[str, Any]
    ) -> Record:
        """The record that follows ``head``."""
        digest = record_hash(kind, subject, created, payload, head.record_hash)
        signature = base64.b64encode(self.private_key.sign(bytes.fromhex(digest))).decode()
        return Record(
            head.seq + 1,
            kind,
            subject,
            created,
            payload,
            head.record_hash,
            digest,
            signature,
            self.key_id,
        )


def public_pem(key: Ed25519PublicKey) -> str:
    """``key`` as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_pem(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _signature_ok(record: Record, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(record.signature), bytes.fromhex(record.record_hash))
    except (InvalidSignature, ValueError):
        return False
    return True


def _own_problems(record: Record, keys: dict[str, Ed25519PublicKey]) -> list[Problem]:
    """What is wrong with a record by itself (its hash, its signature)."""
    out = []
    expected = record_hash(
        record.kind, record.subject, record.created, record.payload, record.prev_hash
    )
    if expected != record.record_hash:
        out.append(Problem(record.seq, record.kind, "altered", "content does not match its hash"))
    key = keys.get(record.key_id)
    if key is None or not _signature_ok(record, key):
        why = "unknown signing key" if key is None else "signature does not verify"
        out.append(Problem(record.seq, record.kind, "bad-signature", why))
    return out


def _link_problem(record: Record, prev: Record | None, positions: dict[str, int]) -> Problem | None:
    """Whether ``record`` follows ``prev`` (the record stored before it)."""
    expected_prev = prev.record_hash if prev is not None else GENESIS
    expected_seq = prev.seq + 1 if prev is not None else 1
    if record.prev_hash == expected_prev and record.seq == expected_seq:
        return None
    if record.prev_hash in positions and record.prev_hash != expected_prev:
        where = positions[record.prev_hash]
        return Problem(record.seq, record.kind, "reordered", f"belongs after seq {where}")
    if record.prev_hash == expected_prev:
        return Problem(record.seq, record.kind, "missing", f"seq {expected_seq} is absent")
    return Problem(record.seq, record.kind, "missing", "the record it follows is absent (deleted)")


def verify(
    records: Sequence[Record], keys: dict[str, Ed25519PublicKey], head: Head | None = None
) -> Report:
    """Check every record of a chain, in stored order, and its end against ``head``.

    ``keys`` maps key ids to the public keys trusted to sign. Each problem names the
    position and what happened there.
    """
    positions = {r.record_hash: r.seq for r in records}
    problems: list[Problem] = []
    prev: Record | None = None
    for record in records:
        problems += _own_problems(record, keys)
        link = _link_problem(record, prev, positions)
        if link is not None:
            problems.append(link)
        prev = record
    last = Head(prev.seq, prev.record_hash) if prev is not None else Head()
    if head is not None and head != last:
        problems.append(_head_problem(head, last))
    return Report(len(records), head or last, problems)


def _head_problem(head: Head, last: Head) -> Problem:
    if head.seq > last.seq:
        detail = f"the log should end at seq {head.seq}; records after seq {last.seq} are gone"
        return Problem(last.seq, "head", "truncated", detail)
    if head.seq < last.seq:
        detail = f"records after seq {head.seq} were added without going through the log"
        return Problem(last.seq, "head", "altered", detail)
    return Problem(last.seq, "head", "altered", "the last record is not the one the head names")
