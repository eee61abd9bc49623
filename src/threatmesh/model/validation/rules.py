"""The network, hash and date value rules behind :mod:`threatmesh.model.validation.values`.

A *check* takes one trimmed, non-empty part and returns it normalised, or ``None`` if it
is invalid; a *rule* does that for a whole compound value and returns the pair. They
follow MISP's refanging, ``modifyBeforeValidation`` and ``validate`` (see validation.py);
``Deviation:`` marks where we differ on purpose. Regexes and tables are built at import,
never per call: these run on the ingest path.
"""

from __future__ import annotations

import re
import socket
import string
from base64 import b64decode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from struct import Struct

#: A normalised ``(value1, value2)``; ``value2`` is ``""`` for non-compound types.
Pair = tuple[str, str]
#: A compound rule: a trimmed, non-empty value -> its normalised pair, or ``None``.
Rule = Callable[[str], Pair | None]
#: A check of one part: the part normalised, or ``None`` if invalid.
Check = Callable[[str], str | None]

_HEX = frozenset("0123456789abcdef")
_DIGITS = frozenset(string.digits)
# PHP's strtolower/strtoupper change ASCII letters only; str.lower() would also fold
# other letters and make our stored values differ from MISP's.
_TO_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_TO_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

# A dotted quad without leading zeros, as PHP's FILTER_VALIDATE_IP (and inet_pton) want.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_EIGHT_WORDS = Struct("!8H")
# Runs of zero hextets, longest first, framed by colons: the one to compress to "::".
_ZERO_RUNS = tuple(":" + ":".join(["0"] * k) + ":" for k in range(8, 1, -1))

# MISP's isDomainValid. MISP's is case-insensitive; ours sees lower-cased values, and a
# case-insensitive Python regex would also let in non-ASCII letters (the Kelvin sign).
_DOMAIN_RE = re.compile(r"[a-z0-9.\-_]+\.[a-z0-9\-]{2,}")

_REFANG_DOT_RE = re.compile(r"\[\.\]|\[dot\]|\(dot\)")
_REFANG_DOTS_ONCE = partial(_REFANG_DOT_RE.sub, ".")
_REFANG_AT_RE = re.compile(r"\[@\]|\[at\]")
_REFANG_PASSES = 8
_REFANG_SCHEME_RE = re.compile(r"hxxp|hxtp|htxp|meow|h\[tt\]p", re.IGNORECASE | re.ASCII)

_PCRE_SPACE = frozenset(" \t\n\r\x0b\x0c")  # PCRE's \s in non-Unicode mode

# PHP's FILTER_VALIDATE_URL: only the characters its URL sanitiser keeps, a scheme, and
# for http(s) a host name of letter/digit/hyphen labels.
_URL_CHARS = frozenset(string.ascii_letters + string.digits + "$-_.+!*'(),{}|\\^~[]`<>#%\";/?:@&=")
_URL_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_URL_AUTHORITY_RE = re.compile(r"//([^/?#]*)")
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")
_HOSTLESS_SCHEMES = frozenset({"mailto", "news", "file"})

_UNIX_TIME_RE = re.compile(r"@[+-]?[0-9]{1,12}")
_MINUTE = timedelta(minutes=1)


# --- primitives ---------------------------------------------------------------------------


def ascii_lower(value: str) -> str:
    """Lower-case ASCII letters only, as PHP's ``strtolower``."""
    return value.lower() if value.isascii() else value.translate(_TO_LOWER)


def ascii_upper(value: str) -> str:
    """Upper-case ASCII letters only, as PHP's ``strtoupper``."""
    return value.upper() if value.isascii() else value.translate(_TO_UPPER)


def is_digits(value: str) -> bool:
    """PHP's ``ctype_digit``: non-empty ASCII digits (``str.isdigit`` takes other scripts')."""
    return bool(value) and _DIGITS.issuperset(value)


def is_hex(value: str) -> bool:
    """Non-empty lower-case hexadecimal."""
    return bool(value) and _HEX.issuperset(value)


def canonical_uint(value: str, max_digits: int) -> str | None:
    """ASCII digits without leading zeros, at most ``max_digits`` long, or ``None``.
    Deviation: MISP keeps leading zeros; dropping them makes ``080`` and ``80`` equal."""
    if not is_digits(value):
        return None
    value = value.lstrip("0") or "0"
    return value if len(value) <= max_digits else None


def _until_stable(step: Callable[[str], str], value: str) -> str | None:
    """Repeat ``step`` until it changes nothing: MISP refangs once, so ``[[.]]`` would
    change again on the next save. A value still changing after a few passes (defanged
    in layers, or crafted to make us loop: each pass is a full scan) is rejected."""
    for _ in range(_REFANG_PASSES):
        refanged = step(value)
        if refanged == value:
            return value
        value = refanged
    return None


def _refang_email_once(value: str) -> str:
    return _REFANG_AT_RE.sub("@", _REFANG_DOT_RE.sub(".", value))


def _refang_url_once(value: str) -> str:
    match = _REFANG_SCHEME_RE.match(value)
    if match is not None:
        value = "http" + value[match.end() :]
    if "[" in value or "(" in value:
        value = _REFANG_DOT_RE.sub(".", value).replace("[hxxp://]", "http://")
        value = value.replace("[:]", ":")
    return value


def refang_dots(value: str) -> str | None:
    """``example[.]com`` -> ``example.com`` (the test skips the regex if not defanged)."""
    if "[" in value or "(" in value:
        return _until_stable(_REFANG_DOTS_ONCE, value)
    return value


def refang_url(value: str) -> str | None:
    """``hxxp://example[.]com[:]8080`` -> ``http://example.com:8080``."""
    return _until_stable(_refang_url_once, value)


# --- IP addresses -----------------------------------------------------------------------


def _format_ipv6(packed: bytes) -> str:
    """Text of an IPv6 address as glibc's ``inet_ntop`` (which MISP's PHP calls) writes
    it, so stored values match MISP's: RFC 5952 compression, and a dotted quad for
    ``::ffff:a.b.c.d`` and ``::a.b.c.d``. Our own code, to not depend on the C library."""
    words = _EIGHT_WORDS.unpack(packed)
    if not any(words[:5]) and (words[5] == 0xFFFF or (words[5] == 0 and words[6] != 0)):
        return ("::ffff:" if words[5] else "::") + "{}.{}.{}.{}".format(*packed[12:])
    framed = ":{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:".format(*words)
    for run in _ZERO_RUNS:
        at = framed.find(run)
        if at >= 0:
            return framed[1:at] + "::" + framed[at + len(run) : -1]
    return framed[1:-1]


def canonical_ip(value: str) -> str | None:
    """The canonical text of a single IPv4 or IPv6 address, or ``None``."""
    if ":" not in value:
        return value if _IPV4_RE.fullmatch(value) else None
    # inet_pton, not ipaddress: ~10x faster, and it rejects zone ids ("fe80::1%eth0") as
    # PHP's validator does. Parsing IPv6 text is the same on every C library.
    try:
        return _format_ipv6(socket.inet_pton(socket.AF_INET6, value))
    except (OSError, ValueError):
        return None


def canonical_ip_or_cidr(value: str) -> str | None:
    """``ip`` or ``ip/prefix`` as MISP's ``normalizeIp`` leaves it: IPv6 compressed, a
    full-length prefix (/32, /128) dropped, host bits kept (MISP stores ``10.0.0.5/24`` as
    sent). Deviation: the prefix loses leading zeros (``/024`` -> ``/24``)."""
    address, slash, prefix = value.partition("/")
    ip = canonical_ip(address)
    if ip is None or not slash:
        return ip
    bits = canonical_uint(prefix, 3)
    full = 128 if ":" in ip else 32
    if bits is None or int(bits) > full:
        return None
    return ip if int(bits) == full else f"{ip}/{bits}"


def ip_or_cidr(value: str) -> str | None:
    """``ip-src`` / ``ip-dst``: an address, optionally with a CIDR prefix."""
    refanged = refang_dots(value)
    return None if refanged is None else canonical_ip_or_cidr(refanged)


def canonical_port(value: str) -> str | None:
    """A port 1-65535 (MISP rejects 0) without leading zeros, or ``None``."""
    port = canonical_uint(value, 5)
    return port if port is not None and 1 <= int(port) <= 65535 else None


def _split_ip_port(value: str) -> list[str] | None:
    """The spellings of ip|port MISP's modifyBeforeValidation understands."""
    if value.count(":") >= 2:  # IPv6
        if value.startswith("[") and "]" in value and value.find("|") <= 0:
            host, _, rest = value[1:].partition("]")  # [2001:db8::1]:80
            return [host, rest[1:]] if rest.startswith(":") else None
        # 2001:db8::1|80, 2001:db8::1.80, ... port 80, ...p80, ...#80, else the last colon
        for sep in ("|", ".", " port ", "p", "#"):
            if value.find(sep) > 0:
                return value.split(sep)
        return list(value.rpartition(":")[::2])
    for sep in (":", "|"):
        if value.find(sep) > 0:
            return value.split(sep)
    return None


def ip_with_port(value: str) -> Pair | None:
    """``ip-src|port`` / ``ip-dst|port``: one address (no CIDR) and a port. Deviation:
    extra parts are rejected; MISP drops them silently (``1.2.3.4|80|90`` -> port 80)."""
    parts = _split_ip_port(value)
    if parts is None or len(parts) != 2:
        return None
    ip, port = canonical_ip_or_cidr(parts[0]), canonical_port(parts[1])
    return None if ip is None or port is None or "/" in ip else (ip, port)


# --- domains, e-mail addresses, URLs ------------------------------------------------------


def canonical_domain(value: str) -> str | None:
    """Lower-cased, outer dots removed, and if still not valid, IDN to punycode as MISP's
    ``idn_to_ascii`` (Python's IDNA 2003 maps like PHP's default UTS #46 transitional)."""
    value = ascii_lower(value).strip(".")
    if _DOMAIN_RE.fullmatch(value):
        return value
    if value.isascii():  # punycode leaves an ASCII name as it is
        return None
    try:
        value = value.encode("idna").decode("ascii")
    except ValueError:  # UnicodeError: an empty or over-long label
        return None
    return value if _DOMAIN_RE.fullmatch(value) else None


def domain(value: str) -> str | None:
    """``domain``, and ``hostname``. Deviation: MISP only lower-cases hostnames, so it
    rejects ``www.example.com.``; we treat them as domains (dots trimmed, punycode)."""
    refanged = refang_dots(value)
    return None if refanged is None else canonical_domain(refanged)


def domain_ip(value: str) -> Pair | None:
    """``domain|ip``: a domain and one IP address."""
    refanged = refang_dots(value) or ""  # over-defanged: fails below as if no "|"
    name, sep, address = ascii_lower(refanged).partition("|")
    if not sep or "|" in address:
        return None
    canonical, ip = canonical_domain(name), canonical_ip_or_cidr(address)
    return None if canonical is None or ip is None or "/" in ip else (canonical, ip)


def hostname_port(value: str) -> Pair | None:
    """``hostname|port``; MISP also accepts ``host:port``."""
    name, sep, port = ascii_lower(value).replace(":", "|").partition("|")
    canonical, number = canonical_domain(name), canonical_port(port)
    return None if not sep or canonical is None or number is None else (canonical, number)


def is_email(value: str) -> bool:
    """MISP's loose ``^.[^\\s]*@.*\\..*$`` (one line; an ``@`` with no space before it; a
    dot after it) without the regex, whose backtracking is quadratic on runs of ``@``."""
    at = value.find("@", 1)
    if at < 1 or value.find(".", at + 1) < 0 or "\n" in value:
        return False
    return _PCRE_SPACE.isdisjoint(value[1:at])


def email_check(refang: bool, lower: bool) -> Check:
    """An e-mail check; MISP refangs and lower-cases some e-mail types, not others."""

    def check(value: str) -> str | None:
        if refang and ("[" in value or "(" in value):
            refanged = _until_stable(_refang_email_once, value)
            if refanged is None:
                return None
            value = refanged
        if lower:
            value = ascii_lower(value)
        return value if is_email(value) else None

    return check


def _is_url_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        return ":" in host and canonical_ip(host[1:-1]) is not None
    host = host.removesuffix(".")
    return 0 < len(host) <= 253 and all(map(_HOST_LABEL_RE.fullmatch, host.split(".")))


def is_url(value: str) -> bool:
    """An approximation of PHP's ``FILTER_VALIDATE_URL`` (MISP's rule for ``link``)."""
    scheme, colon, rest = value.partition(":")
    if not colon or not _URL_CHARS.issuperset(value) or not _URL_SCHEME_RE.fullmatch(scheme):
        return False
    authority = _URL_AUTHORITY_RE.match(rest)
    host = "" if authority is None else authority.group(1).rpartition("@")[2]
    colon_at = host.find(":", host.find("]") + 1)  # a port comes after any [IPv6]
    if colon_at >= 0:
        host, port = host[:colon_at], host[colon_at + 1 :]
        if port and not is_digits(port):
            return False
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        return _is_url_host(host)
    return bool(host) or scheme in _HOSTLESS_SCHEMES


def url(value: str) -> str | None:
    """``url``: refanged, on one line (MISP has no stricter URL rule)."""
    refanged = refang_url(value)
    return None if refanged is None or "\n" in refanged else refanged


def link(value: str) -> str | None:
    """``link``: a refanged absolute URL."""
    refanged = refang_url(value)
    return refanged if refanged is not None and is_url(refanged) else None


# --- hashes and fingerprints ------------------------------------------------------------


def hex_check(length: int, strip_colons: bool = False) -> Check:
    """Exactly ``length`` hex digits, lower-cased. Deviation: MISP does not lower-case
    ``git-commit-id``; we lower-case every hex hash."""

    def check(value: str) -> str | None:
        if strip_colons:  # x509 fingerprints are often written ab:cd:...
            value = value.replace(":", "")
        value = ascii_lower(value)
        return value if len(value) == length and _HEX.issuperset(value) else None

    return check


def filename_rule(check: Check, lower: bool = True) -> Rule:
    """``filename|<hash>``: a non-empty one-line file name, and a hash passing ``check``
    (lower-cased first unless the hash is case-sensitive, as ssdeep's base64)."""

    def rule(value: str) -> Pair | None:
        name, sep, digest = value.partition("|")
        if not sep or not name or "\n" in name:
            return None
        checked = check(ascii_lower(digest) if lower else digest)
        return None if checked is None else (name, checked)

    return rule


def ssh_fingerprint(value: str) -> str | None:
    """``SHA256:`` + base64 of 32 bytes (padding optional: OpenSSH prints none), or an
    MD5 fingerprint, optionally after ``MD5:``, with or without colons."""
    if value.startswith("SHA256:"):
        encoded = value[7:]
        try:
            digest = b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except ValueError:  # binascii.Error, or non-ASCII text
            return None
        return value if len(digest) == 32 else None
    digits = ascii_lower(value.removeprefix("MD5:").replace(":", ""))
    return value if len(digits) == 32 and is_hex(digits) else None


# --- date and time ----------------------------------------------------------------------


def _parse_moment(value: str) -> datetime | None:
    """ISO 8601, PHP's ``@<unix time>``, or RFC 2822 (e-mail dates). Deviation: MISP takes
    anything PHP's ``DateTime`` parses, also clock-relative forms (``tomorrow``)."""
    if _UNIX_TIME_RE.fullmatch(value):
        try:
            return datetime.fromtimestamp(int(value[1:]), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def date_time(value: str) -> str | None:
    """``datetime`` in MISP's stored form, PHP's ``Y-m-d\\TH:i:s.uO``: microseconds and the
    offset sent, ``+0000`` if none (``2024-01-02T03:04:05.000000+0200``)."""
    moment = _parse_moment(value)
    if moment is None:
        return None
    offset = moment.utcoffset() or timedelta(0)
    if offset % _MINUTE:  # PHP's offsets are whole minutes
        return None
    hours, minutes = divmod(abs(offset) // _MINUTE, 60)
    sign = "-" if offset < timedelta(0) else "+"
    local = moment.replace(tzinfo=None).isoformat(timespec="microseconds")
    return f"{local}{sign}{hours:02d}{minutes:02d}"
