"""Errors of the CP-ABE layer, each a :class:`ThreatmeshError` carrying its HTTP status.

::

    InvalidInput (400)
    ├── PolicyError          a policy that does not parse or cannot be encoded
    └── MalformedData        a key or ciphertext that does not decode
    Forbidden (403)
    └── DecryptionFailed     the key does not open the ciphertext
        ├── PolicyNotSatisfied   the key's attributes do not satisfy the policy
        └── EpochMismatch        key and ciphertext belong to different authority epochs
"""

from __future__ import annotations

from threatmesh.model.errors import Forbidden, InvalidInput


class PolicyError(InvalidInput):
    """A policy that does not parse, or an attribute that is not allowed."""

    name = "Invalid policy"


class MalformedData(InvalidInput):
    """A serialised key, ciphertext or envelope that does not decode."""

    name = "Malformed ABE data"


class DecryptionFailed(Forbidden):
    """The key cannot open the ciphertext (wrong key, tampered data)."""

    name = "Decryption failed"


class PolicyNotSatisfied(DecryptionFailed):
    """The key's attributes do not satisfy the ciphertext's policy."""

    name = "Policy not satisfied"


class EpochMismatch(DecryptionFailed):
    """Key and ciphertext come from different authority epochs (after a revocation)."""

    name = "Key epoch mismatch"
