"""What one free-text token is: MISP's ``ComplexTypeTool::__resolveType``, step by step.

The order matters and is MISP's: a plain IP; hashes (``filename|hash`` too) before any
refanging; refanging (``hxxp``, ``[.]``, ``[at]``...); e-mail; a trailing ``:port`` noted
and removed; IP (with port, IPv6 in brackets, CIDR block); domain or host name (the last
label must be a known TLD), else URL, link (``https://`` to a security vendor) or file
name; Windows file name or registry key; CVE; phone number; AS number; Bitcoin address.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from threatmesh.formats.freetext.validators import is_email, is_ip, is_url
from threatmesh.model.library.php import is_numeric

__all__ = ["DEFAULT_SECURITY_VENDOR_DOMAINS", "Candidate", "default_tlds", "refang", "resolve_type"]

#: MISP's fallback when its security-vendor warninglist is empty.
DEFAULT_SECURITY_VENDOR_DOMAINS = ("virustotal.com", "hybrid-analysis.com")

# (pattern, replacement, types it applies to) in MISP's order (REFANG_REGEX_TABLE).
_REFANG = (
    (re.compile(r"^(hxxp|hxtp|htxp|meow|h\[tt\]p)", re.I), "http", ("link", "url")),
    (
        re.compile(r"(\[\.\]|\[dot\]|\(dot\))"),
        ".",
        (
            "link",
            "url",
            "ip-dst",
            "ip-src",
            "domain|ip",
            "domain",
            "hostname",
            "email",
            "email-src",
            "email-dst",
        ),
    ),
    (re.compile(r"\[hxxp://\]"), "http://", ("link", "url")),
    (re.compile(r"\[@\]|\[at\]"), "@", ("email", "email-src", "email-dst")),
    (re.compile(r"\[:\]"), ":", ("url", "link")),
)
_BRACKETED_CHAR = re.compile(r"\[.\]")

# Hex hash lengths -> (single types, filename|hash types) (HEX_HASH_TYPES).
_HASHES = {
    32: (
        ("md5", "imphash", "x509-fingerprint-md5", "ja3-fingerprint-md5"),
        ("filename|md5", "filename|imphash"),
    ),
    40: (
        ("sha1", "pehash", "x509-fingerprint-sha1", "cdhash"),
        ("filename|sha1", "filename|pehash"),
    ),
    56: (("sha224", "sha512/224"), ("filename|sha224", "filename|sha512/224")),
    64: (
        ("sha256", "authentihash", "sha512/256", "x509-fingerprint-sha256"),
        ("filename|sha256", "filename|authentihash", "filename|sha512/256"),
    ),
    96: (("sha384",), ("filename|sha384",)),
    128: (("sha512",), ("filename|sha512",)),
}
_HEX = frozenset("0123456789abcdefABCDEF")
_SSDEEP = re.compile(r"^[0-9]+:[0-9a-zA-Z/+]+:[0-9a-zA-Z/+]+$")
_TIME = re.compile(r"^[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}$")
# MISP's expression, precedence included: the first branch is anchored at the start only,
# the second at the end only.
_BTC = re.compile(
    r"^([13][a-km-zA-HJ-NP-Z1-9]{25,34})|(bc|tb)1([023456789acdefghjklmnpqrstuvwxyz]{11,71})$", re.I
)
_PORT = re.compile(r"(:[0-9]{2,5})$")
_DOMAIN = re.compile(r"^((?:[^\W_]|-)+\.)+[a-z0-9-]+$", re.I)
_CVE = re.compile(r"^cve-[0-9]{4}-[0-9]{4,9}$", re.I)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PHONE = re.compile(r"^(\+)?([0-9]{1,3}(\(0\))?)?[0-9/\-]{5,}[0-9]$")
_AS = re.compile(r"^as[0-9]+$", re.I)
_HTTPS_HOST = re.compile(r"^https://([^/]*)", re.I)
_DRIVE = re.compile(r"^.:")

_IP_TYPES = ("ip-dst", "ip-src", "ip-src/ip-dst")
_IP_PORT_TYPES = ("ip-dst|port", "ip-src|port", "ip-src|port/ip-dst|port")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A token's possible types, the one MISP picks, and its (refanged) value.

    ``comment`` is ``"On port N"``, ``""``, ``False`` or None (MISP leaves the key out).
    """

    types: tuple[str, ...]
    default_type: str
    value: str
    comment: str | bool | None = None


def default_tlds() -> frozenset[str]:
    """MISP's built-in TLD list (generic TLDs and every two-letter code), used only when no
    TLD list is given."""
    generic = {
        "biz",
        "cat",
        "com",
        "edu",
        "gov",
        "int",
        "mil",
        "net",
        "org",
        "pro",
        "tel",
        "aero",
        "arpa",
        "asia",
        "coop",
        "info",
        "jobs",
        "mobi",
        "name",
        "museum",
        "travel",
        "onion",
    }
    letters = "abcdefghijklmnopqrstuvwxyz"
    return frozenset(generic | {a + b for a in letters for b in letters})


def refang(value: str, attribute_type: str) -> str:
    """MISP's ``refangValue``: the refang rules that apply to ``attribute_type``."""
    for pattern, replacement, types in _REFANG:
        if attribute_type in types:
            value = pattern.sub(replacement, value)
    return value


def _refang_all(raw: str) -> str:
    for pattern, replacement, _types in _REFANG:
        raw = pattern.sub(replacement, raw)
    return _BRACKETED_CHAR.sub(lambda m: m.group(0).strip("[]"), raw.rstrip("."))


def _is_filename(text: str) -> bool:
    """``__resolveFilename``: a drive letter or an inner dot, and an extension that is
    alphanumeric but not a number."""
    if not (_DRIVE.match(text) or text.find(".") > 0):
        return False
    extension = text.split(".")[-1]
    return extension.isascii() and extension.isalnum() and not is_numeric(extension)


def _is_ssdeep(text: str) -> bool:
    return bool(_SSDEEP.match(text)) and not _TIME.match(text)


def _hash_types(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    found = _HASHES.get(len(text.encode()))
    return found if found and all(c in _HEX for c in text) else None


def _hashes(raw: str) -> Candidate | None:
    parts = raw.split("|")
    if len(parts) == 2 and _is_filename(parts[0]):
        found = _hash_types(parts[1])
        if found:
            return Candidate(found[1], found[1][0], raw)
        if _is_ssdeep(parts[1]):
            return Candidate(("filename|ssdeep",), "filename|ssdeep", raw)
    found = _hash_types(raw)
    if found:
        types = found[0] + (("btc",) if _BTC.search(raw) else ())
        return Candidate(types, types[0], raw)
    if _is_ssdeep(raw):
        return Candidate(("ssdeep",), "ssdeep", raw)
    return None


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    refanged: str
    no_port: str
    port: str | None

    @property
    def comment(self) -> str | bool:
        return f"On port {self.port}" if self.port is not None else False


def _token(raw: str) -> _Token:
    refanged = _refang_all(raw)
    found = _PORT.search(refanged)
    if found is None:
        return _Token(raw, refanged, refanged, None)
    # str_replace removes every occurrence of ":port", not only the last.
    return _Token(raw, refanged, refanged.replace(found.group(0), ""), found.group(0)[1:])


def _ip(token: _Token) -> Candidate | None:
    bare = token.no_port
    if is_ip(bare):
        if token.port is not None:
            return Candidate(_IP_PORT_TYPES, "ip-dst|port", f"{bare}|{token.port}", token.comment)
        return Candidate(_IP_TYPES, "ip-dst", bare, token.comment)
    if is_ip(token.refanged) and ":" in token.refanged:
        return Candidate(_IP_TYPES, "ip-dst", token.refanged, "")
    if token.port is not None and bare.startswith("[") and ":" in bare[1:-1] and is_ip(bare[1:-1]):
        return Candidate(_IP_PORT_TYPES, "ip-dst|port", f"{bare[1:-1]}|{token.port}", token.comment)
    pieces = bare.split("/")
    if len(pieces) == 2 and is_ip(pieces[0]) and is_numeric(pieces[1]):
        return Candidate(_IP_TYPES, "ip-dst", bare, token.comment)
    return None


def _is_link(value: str, vendors: Collection[str]) -> bool:
    found = _HTTPS_HOST.match(value)
    if found is None:
        return False
    candidate = ""
    for part in reversed(found.group(1).lower().split(".")):
        candidate = part + candidate
        if candidate in vendors:
            return True
        candidate = "." + candidate
    return False


def _domain_or_filename(
    token: _Token, tlds: Collection[str], vendors: Collection[str]
) -> Candidate | None:
    bare = token.no_port
    if "." in bare:
        labels = bare.split(".")
        if _DOMAIN.match(bare) and labels[-1].lower() in tlds:
            if len(labels) > 2:
                return Candidate(
                    ("hostname", "domain", "url", "filename"), "hostname", bare, token.comment
                )
            return Candidate(("domain", "filename"), "domain", bare, token.comment)
        if len(labels) > 1 and (is_url(bare) or is_url("http://" + bare)):
            if _is_link(bare, vendors):
                return Candidate(("link",), "link", bare, token.comment)
            if "/" in bare:
                return Candidate(("url",), "url", bare, token.comment)
        if _is_filename(token.raw):
            return Candidate(("filename",), "filename", token.raw)
    if "\\" in token.raw:
        pieces = token.raw.split("\\")
        if "." in pieces[-1] or _DRIVE.match(pieces[0]):
            if _is_filename(pieces[-1]):
                return Candidate(("filename",), "filename", token.raw)
        elif pieces[0] not in ("", "0"):
            return Candidate(("regkey",), "regkey", token.raw)
    return None


def _simple(raw: str) -> Candidate | None:
    if _CVE.match(raw):
        return Candidate(("vulnerability",), "vulnerability", raw.upper())
    if (raw[0] == "+" or raw.find("-") > 0) and not _DATE.match(raw) and _PHONE.match(raw):
        return Candidate(("phone-number", "prtn", "whois-registrant-phone"), "phone-number", raw)
    if _AS.match(raw):
        return Candidate(("AS",), "AS", raw.upper())
    if _BTC.search(raw):
        return Candidate(("btc",), "btc", raw)
    return None


def resolve_type(
    raw: str, *, tlds: Collection[str], security_vendor_domains: Collection[str]
) -> Candidate | None:
    """The candidate for one trimmed, non-empty token, or None if MISP finds no type.

    ``tlds`` are lower-case top-level domains (a name ending in another label is not a
    domain); ``security_vendor_domains`` decide whether an https URL is a ``link``.
    """
    if is_ip(raw):
        return Candidate(_IP_TYPES, "ip-dst", raw)
    found = _hashes(raw)
    if found is not None:
        return found
    token = _token(raw)
    if "@" in token.refanged and is_email(token.refanged):
        types = ("email", "email-src", "email-dst", "target-email", "whois-registrant-email")
        return Candidate(types, "email-src", token.refanged)
    return _ip(token) or _domain_or_filename(token, tlds, security_vendor_domains) or _simple(raw)
