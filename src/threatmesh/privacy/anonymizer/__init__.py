"""The anonymizer: policy-driven privacy techniques applied to MISP events.

Library API::

    from threatmesh.privacy.anonymizer import Context, Keys, anonymize_event, parse_policy

    policy = parse_policy(open("policy.yaml").read())
    keys = Keys(pseudonym=secret32, cryptopan=secret32)
    out, report = anonymize_event(event, policy, Context(keys=keys, rng=random.SystemRandom()))

Pure: keys and the random source come from the caller; nothing here reads files, the
clock or the network. Techniques are plugins in :data:`TECHNIQUES`, one module each.
"""

from threatmesh.privacy.anonymizer.cryptopan import CryptoPAn
from threatmesh.privacy.anonymizer.engine import anonymize_event, anonymize_event_under
from threatmesh.privacy.anonymizer.errors import (
    BudgetExhausted,
    MissingExtra,
    PolicyError,
    TechniqueMismatch,
    UnknownTechnique,
)
from threatmesh.privacy.anonymizer.policy import (
    CompiledPolicy,
    Policy,
    compile_policy,
    parse_policy,
)
from threatmesh.privacy.anonymizer.report import Report
from threatmesh.privacy.anonymizer.run import Layer
from threatmesh.privacy.anonymizer.technique import TECHNIQUES, Context, Keys, Technique

__all__ = [
    "TECHNIQUES",
    "BudgetExhausted",
    "CompiledPolicy",
    "Context",
    "CryptoPAn",
    "Keys",
    "Layer",
    "MissingExtra",
    "Policy",
    "PolicyError",
    "Report",
    "Technique",
    "TechniqueMismatch",
    "UnknownTechnique",
    "anonymize_event",
    "anonymize_event_under",
    "compile_policy",
    "parse_policy",
]
