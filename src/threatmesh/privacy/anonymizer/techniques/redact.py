"""``redact``: replace identifying entities in free text (``info``, comments).

Each entity found is replaced by what the policy does to a structured value of the
same kind (the first general rule for that kind), so an address in a comment gets the
same Crypto-PAn output, and an email the same pseudonym, as the event's attributes.
"""

from __future__ import annotations

from pydantic import Field

from threatmesh.privacy.anonymizer import detect, kinds
from threatmesh.privacy.anonymizer.technique import StrictParams, Technique, register

DETECTABLE = (kinds.URL, kinds.EMAIL, kinds.IP, kinds.HOSTNAME, kinds.USERNAME)


class Params(StrictParams):
    """Which detectors run; whether the event's own structured values are searched."""

    detect: list[str] = Field(default_factory=lambda: list(DETECTABLE))
    known_values: bool = True

    def model_post_init(self, _context: object) -> None:
        unknown = sorted(set(self.detect) - set(DETECTABLE))
        if unknown:
            raise ValueError(f"detect: unknown detectors {unknown}; known: {list(DETECTABLE)}")


@register
class Redact(Technique):
    """Free-text redaction with the policy's own replacements."""

    name = "redact"
    kinds = frozenset({kinds.TEXT})
    Params = Params

    def value(self, value: str, kind: str) -> str | None:
        assert isinstance(self.params, Params)
        known = self.ctx.known if self.params.known_values else None
        spans = detect.find(value, self.params.detect, known)
        if not spans:
            return value
        new = {s: self.ctx.entity(s.kind, s.value) for s in spans}
        return detect.replace(value, spans, new)
