"""``generalise_port``: a port becomes its IANA range (well-known, registered, dynamic)."""

from __future__ import annotations

from typing import Literal

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.technique import StrictParams, Technique, register

#: (first port, label) of each IANA range, highest first.
RANGES = ((49152, "dynamic"), (1024, "registered"), (1, "well-known"))


def port_class(port: int) -> tuple[int, str]:
    """The first port and the label of the range ``port`` belongs to."""
    for first, label in RANGES:
        if port >= first:
            return first, label
    raise ValueError(f"{port} is not a port")


class Params(StrictParams):
    """``lowest`` writes the range's first port (still a valid MISP ``port`` value);
    ``label`` writes its name (for free text)."""

    style: Literal["lowest", "label"] = "lowest"


@register
class GeneralisePort(Technique):
    """Port generalisation to its range."""

    name = "generalise_port"
    kinds = frozenset({kinds.PORT})
    Params = Params

    def value(self, value: str, kind: str) -> str | None:
        assert isinstance(self.params, Params)
        first, label = port_class(int(value))
        return str(first) if self.params.style == "lowest" else label
