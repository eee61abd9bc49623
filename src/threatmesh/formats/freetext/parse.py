"""Free text to candidate attributes: MISP's ``ComplexTypeTool::checkFreeText``.

Text that starts with ``{`` and parses as JSON is walked: every string (and non-zero float)
leaf is a token, and so is each piece of it. Other text has its control characters blanked,
is split on whitespace, ``,``, ``<``, ``>`` and ``;``, and every ``"quoted"`` run is added.
Each token is trimmed of quotes, dots, commas, brackets and whitespace, skipped when empty
(or ``"0"``) or matching ``exclude_regex``, and resolved; the first candidate per value
wins, in token order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from threatmesh.formats.freetext.resolve import (
    DEFAULT_SECURITY_VENDOR_DOMAINS,
    Candidate,
    default_tlds,
    resolve_type,
)
from threatmesh.model.library import php
from threatmesh.model.validation.describe_types import default_to_ids

__all__ = ["FreetextResult", "check_free_text", "tld_set"]

_SEPARATORS = re.compile(r"[ \t\n\x0b\f\r,<>;]")
_QUOTED = re.compile(r'"([^"]+)"')
# PHP's trim() default set plus MISP's own: quotes, dot, comma, brackets, space.
_TRIM = "'\".,() \t\n\r\0\x0b"


@dataclass(frozen=True, slots=True)
class FreetextResult:
    """One result of ``events/freeTextImport``: a candidate and the token it came from."""

    candidate: Candidate
    original_value: str

    def as_misp(self) -> dict[str, Any]:
        """The REST item MISP answers with ``returnMetaAttributes`` (``types`` as
        ``{type: type}``, ``to_ids`` the default type's describeTypes default, as MISP's
        0/1)."""
        out: dict[str, Any] = {
            "types": {t: t for t in self.candidate.types},
            "default_type": self.candidate.default_type,
            "value": self.candidate.value,
        }
        if self.candidate.comment is not None:
            out["comment"] = self.candidate.comment
        out["original_value"] = self.original_value
        out["to_ids"] = int(default_to_ids(self.candidate.default_type))
        return out


def tld_set(values: Collection[str]) -> frozenset[str]:
    """The TLDs MISP passes the parser: a TLD warninglist's entries lower-cased, plus
    ``onion`` (``Warninglist::fetchTLDLists``)."""
    return frozenset(v.lower() for v in values) | {"onion"}


def _blank_controls(text: str) -> str:
    """Each run of Unicode "other" characters and each no-break space becomes one space."""
    out: list[str] = []
    in_run = False
    for char in text:
        control = unicodedata.category(char).startswith("C")
        if not (control and in_run):
            out.append(" " if control or char == "\xa0" else char)
        in_run = control
    return "".join(out)


def _split(text: str) -> list[str]:
    """``parseFreetext``: the pieces of ``text`` and its quoted runs."""
    text = _blank_controls(text)
    return _SEPARATORS.split(text) + _QUOTED.findall(text)


def _json_leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _json_leaves(child)
    else:
        yield node


def _json_tokens(document: Any) -> Iterator[str]:
    """``parseJson``: string and float leaves, then the pieces of each that differ."""
    for leaf in _json_leaves(document):
        if isinstance(leaf, (bool, int)) or php.is_empty(leaf):
            continue
        text = php.to_str(leaf)
        yield text
        yield from (piece for piece in _split(text) if piece != text)


def _tokens(text: str) -> Iterator[str]:
    if text.startswith("{"):
        try:
            document = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
        else:
            yield from _json_tokens(document)
            return
    yield from _split(text)


def check_free_text(
    text: str,
    *,
    tlds: Collection[str] | None = None,
    security_vendor_domains: Collection[str] = (),
    exclude_regex: str | None = None,
) -> list[FreetextResult]:
    """The attributes MISP's free-text import finds in ``text``, in order.

    ``tlds``: lower-case TLDs (see :func:`tld_set`); None uses MISP's built-in list.
    ``security_vendor_domains``: MISP's security-vendor warninglist entries (empty: MISP's
    two built-in domains). ``exclude_regex``: a PCRE pattern; matching tokens are skipped.
    """
    known_tlds = default_tlds() if tlds is None else tlds
    vendors = security_vendor_domains or DEFAULT_SECURITY_VENDOR_DOMAINS
    exclude = php.compile_pcre(exclude_regex) if exclude_regex else None
    found: dict[str, FreetextResult] = {}
    for token in _tokens(text):
        ioc = token.strip(_TRIM)
        if php.is_empty(ioc) or (exclude is not None and _matches(exclude, ioc)):
            continue
        candidate = resolve_type(ioc, tlds=known_tlds, security_vendor_domains=vendors)
        if candidate is not None and candidate.value not in found:
            found[candidate.value] = FreetextResult(candidate, ioc)
    return list(found.values())


def _matches(compiled: tuple[re.Pattern[str], bool], text: str) -> bool:
    pattern, anchored = compiled
    return bool(pattern.match(text) if anchored else pattern.search(text))
