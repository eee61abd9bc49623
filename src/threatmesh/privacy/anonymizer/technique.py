"""The technique plugin interface and the context a run gives techniques.

A technique is a class with a ``name``, the ``kinds`` of value it transforms, a pydantic
``Params`` model, and one method per kind family: ``value`` for strings, ``number`` for
counts, ``table`` for rows. It is built once per anonymization run with its rule's
parameters and the run's :class:`Context` (keys and random source), so it may cache.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from threatmesh.model.registry import Registry
from threatmesh.privacy.anonymizer.detect import KnownValues


class Random(Protocol):
    """A source of uniform floats in [0, 1) (``random.SystemRandom`` in production)."""

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Keys:
    """Secret keys of a policy: HMAC pseudonyms and Crypto-PAn (32 bytes each)."""

    pseudonym: bytes
    cryptopan: bytes

    def __post_init__(self) -> None:
        if len(self.pseudonym) < 16 or len(self.cryptopan) != 32:
            raise ValueError("keys: pseudonym key >= 16 bytes, Crypto-PAn key exactly 32 bytes")

    @classmethod
    def from_bytes(cls, secret: bytes) -> Keys:
        """Keys stored as one 64-byte secret (32 bytes HMAC key, then 32 Crypto-PAn)."""
        if len(secret) != 64:
            raise ValueError("a policy secret is 64 bytes")
        return cls(pseudonym=secret[:32], cryptopan=secret[32:])

    def to_bytes(self) -> bytes:
        """The 64-byte form :meth:`from_bytes` reads."""
        return self.pseudonym + self.cryptopan


@dataclass
class Context:
    """What a run hands to techniques: keys, randomness, and the epsilon they spend."""

    keys: Keys
    rng: Random
    epsilon_spent: float = 0.0
    #: Per-run shared caches (a Crypto-PAn instance, pseudonyms already computed).
    cache: dict[str, Any] = field(default_factory=dict)
    #: Finds the structured values of the event being anonymized in free text.
    known: KnownValues | None = None
    #: How the policy replaces an entity of a kind found in free text.
    entity: Callable[[str, str], str] = field(default=lambda kind, value: f"[{kind}]")

    def mac(self, purpose: str, value: str) -> str:
        """Hex HMAC-SHA256 of ``value`` under the pseudonym key, separated by purpose
        so that an email and a host name with the same text get unrelated pseudonyms."""
        msg = f"{purpose}\x00{value}".encode()
        return hmac.new(self.keys.pseudonym, msg, hashlib.sha256).hexdigest()


class StrictParams(BaseModel):
    """Base of technique parameters: unknown fields are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class TableResult:
    """Rows after a table technique, and the k-anonymity achieved (None: no rows left)."""

    rows: list[dict[str, str]]
    k: int | None
    suppressed: int


class Technique:
    """Base of technique plugins; subclasses override the methods for their kinds.

    ``value`` returns the new string, or ``None`` to suppress the value.
    """

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    Params: ClassVar[type[StrictParams]] = StrictParams
    #: Parameters the conformance suite builds the technique with.
    example: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: StrictParams, ctx: Context) -> None:
        self.params = params
        self.ctx = ctx

    def value(self, value: str, kind: str) -> str | None:
        """Transform one string of ``kind``."""
        raise NotImplementedError

    def number(self, value: float) -> float:
        """Transform one count or statistic."""
        raise NotImplementedError

    def table(self, rows: Sequence[dict[str, str]]) -> TableResult:
        """Transform rows of tabular data (sightings, victim lists)."""
        raise NotImplementedError


#: Every technique, by name. Modules in ``techniques/`` register themselves on import.
TECHNIQUES: Registry[type[Technique]] = Registry("anonymization technique")


def register(cls: type[Technique]) -> type[Technique]:
    """Class decorator: add ``cls`` to :data:`TECHNIQUES` under ``cls.name``."""
    TECHNIQUES.register(cls.name, cls)
    return cls
