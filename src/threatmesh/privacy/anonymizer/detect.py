"""Detectors of identifying entities in free text: IPs, emails, URLs, host names, users.

Besides patterns, the values an event carries in structured fields (its ``ip-dst``,
``target-user``... attributes) are searched for literally, so a user name that no
pattern would recognise is still found where the event's text repeats it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from threatmesh.privacy.anonymizer import kinds

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_PATTERNS: dict[str, re.Pattern[str]] = {
    kinds.URL: re.compile(r"\b(?:https?|hxxps?|ftp)://[^\s<>\"'()\[\]{}]+", re.IGNORECASE),
    kinds.EMAIL: re.compile(r"\b[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,24}\b"),
    kinds.IP: re.compile(
        rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w.]*\w)"
        r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?(?:/\d{1,3})?(?![\w:])"
    ),
    kinds.HOSTNAME: re.compile(
        r"(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
    ),
    kinds.USERNAME: re.compile(
        r"(?i:\b(?:user(?:name)?|login|account|uid)\s*[:=]?\s+)([A-Za-z0-9._\-]{2,64})"
        r"|\b[A-Z][A-Z0-9\-]{1,15}\\([A-Za-z0-9._\-]{2,64})\b"
    ),
}
#: Endings that look like a TLD but are file extensions ("invoice.pdf" is no host).
_NOT_TLDS = frozenset(
    "exe dll sys bat cmd ps1 vbs js jar py sh bin doc docx xls xlsx xlsm ppt pptx pdf rtf txt "
    "log csv zip rar gz tar tgz 7z iso img lnk hta msi png jpg jpeg gif bmp htm html php asp "
    "aspx json xml yml yaml dat tmp ini cfg conf db apk dmg elf so".split()
)


@dataclass(frozen=True, slots=True)
class Span:
    """An entity found in text: ``text[start:end]`` is ``value`` of ``kind``."""

    start: int
    end: int
    kind: str
    value: str


def _valid(kind: str, value: str) -> bool:
    if kind == kinds.IP:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return True
    if kind == kinds.HOSTNAME:
        return value.rsplit(".", 1)[-1].lower() not in _NOT_TLDS
    return True


def _pattern_spans(text: str, wanted: Iterable[str]) -> list[Span]:
    spans = []
    for kind in wanted:
        for m in _PATTERNS[kind].finditer(text):
            group = next((g for g in range(1, (m.re.groups or 0) + 1) if m.group(g)), 0)
            value = m.group(group).rstrip(".,;:!?")
            start = m.start(group)
            if value and _valid(kind, value):
                spans.append(Span(start, start + len(value), kind, value))
    return spans


class KnownValues:
    """A matcher for literal values (the event's structured ones), built once per event."""

    def __init__(self, known: Mapping[str, str]) -> None:
        values = sorted((v for v in known if len(v) >= 2), key=len, reverse=True)
        self._kind = {v.lower(): k for v, k in known.items()}
        self._pattern = (
            re.compile(
                rf"(?<![\w])(?:{'|'.join(re.escape(v) for v in values)})(?![\w])", re.IGNORECASE
            )
            if values
            else None
        )

    def spans(self, text: str) -> list[Span]:
        """Where the known values occur in ``text``."""
        if self._pattern is None:
            return []
        return [
            Span(m.start(), m.end(), self._kind[m.group(0).lower()], m.group(0))
            for m in self._pattern.finditer(text)
        ]


def find(text: str, wanted: Iterable[str], known: KnownValues | None = None) -> list[Span]:
    """Non-overlapping entities in ``text``: the earliest first, the longest at a tie.

    ``known`` finds literal values (from the event's structured fields) with their kind.
    """
    spans = (known.spans(text) if known else []) + _pattern_spans(text, wanted)
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    end = -1
    for span in spans:
        if span.start >= end:
            out.append(span)
            end = span.end
    return out


def replace(text: str, spans: Iterable[Span], new: Mapping[Span, str]) -> str:
    """``text`` with each span replaced by ``new[span]``."""
    parts = []
    at = 0
    for span in spans:
        parts += [text[at : span.start], new[span]]
        at = span.end
    parts.append(text[at:])
    return "".join(parts)
