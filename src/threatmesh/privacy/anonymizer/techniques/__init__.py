"""Technique plugins, one module per technique; importing this package registers them all."""

from threatmesh.privacy.anonymizer.techniques import (
    cryptopan,
    generalise_ip,
    generalise_port,
    generalise_time,
    kanonymity,
    keep,
    noise,
    pseudonymise,
    redact,
    suppress,
)

__all__ = [
    "cryptopan",
    "generalise_ip",
    "generalise_port",
    "generalise_time",
    "kanonymity",
    "keep",
    "noise",
    "pseudonymise",
    "redact",
    "suppress",
]
