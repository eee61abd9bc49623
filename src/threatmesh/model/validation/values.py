"""Attribute value validation and normalisation, as MISP does it on save.

:func:`normalize_value` runs what MISP runs before storing an attribute: trim, refang
(``ComplexTypeTool::refangValue``), ``AttributeValidationTool::modifyBeforeValidation``
and ``validate``, then the type-independent checks (not empty, not only control
characters, at most 65535 bytes, compound values split on exactly one ``|``). Pure: no
I/O besides reading the bundled type table once, no clock. Network, hash and date rules
are in :mod:`.validation_rules`; ``Deviation:`` marks where we differ from MISP on purpose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from ipaddress import IPv4Address, ip_address

from threatmesh.model.errors import InvalidValue
from threatmesh.model.validation import rules as r
from threatmesh.model.validation.describe_types import attribute_types, is_compound
from threatmesh.model.validation.rules import Check, Pair, Rule

__all__ = ["ip_range", "join_value", "normalize_value", "split_compound"]

_PHP_TRIM = " \t\n\r\0\x0b"  # what PHP's trim() strips: not all Unicode whitespace
_MAX_BYTES = 65535  # MISP's maxTextLength (a MySQL TEXT column)
_MESSAGE_CHARS = 100  # how much of the value an error message quotes

_NUMERIC_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")  # PHP's ctype_cntrl: ASCII controls only
_NOT_DIGIT_RE = re.compile(r"[^0-9]+")
_NOT_PHONE_RE = re.compile(r"[^+0-9]+")
_NOT_BANK_RE = re.compile(r"[^0-9A-Z]+")
_DIGITS_RE = re.compile(r"[0-9]+")
_ALNUM_RE = re.compile(r"[a-zA-Z0-9]+")
_UPPER_HEX_RE = re.compile(r"[0-9A-F]+")
# The identifiers MISP's ``vulnerability`` type takes since 2.5 (CVE, GCVE, GHSA, PYSEC,
# vendor advisories...), case-insensitive, as PyMISP's port of MISP's rule lists them
# (pymisp/tools/attributevalidationtool.py); MISP 2.4 took CVE ids only.
_VULNERABILITY_RE = re.compile(
    "|".join((
        r"CVE-[0-9]{4}-[0-9]{4,}", r"GCVE-[0-9]+-[0-9]{4}-[0-9]+", r"fkie_cve-[0-9]{4}-[0-9]{4,}",
        r"ghsa-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", r"pysec-[0-9]{4}-[0-9]{2,5}",
        r"gsd-[0-9]{4}-[0-9]{4,5}", r"mal-[0-9]{4}-[0-9]+", r"wid-sec-w-[0-9]{4}-[0-9]{4}",
        r"ncsc-[0-9]{4}-[0-9]{4}", r"ssa-[0-9]{6}", r"rh(?:ba|ea|sa)-[0-9]{4}:[0-9]{4,}",
        r"ics(?:ma|a)-[0-9]{2}-[0-9]{3}-[0-9]{2}", r"va-[0-9]{2}-[0-9]{3}-[0-9]{2}",
        r"cisco-sa(?:-[a-z0-9_]+)+", r"sca-[0-9]{4}-[0-9]{4,}", r"nn-[0-9]{4}[:_][0-9]-[0-9]{2}",
        r"oxas-adv-[0-9]{4}-[0-9]{4}", r"msrc_cve-[0-9]{4}-[0-9]{4,}", r"var-[0-9]{6}-[0-9]{4}",
        r"jvndb-[0-9]{4}-[0-9]{6}", r"ts-[0-9]{4}-[0-9]{4}",
        r"(?:open)?suse-su-[0-9]{4}:[0-9]{4,}-[0-9]",
        r"cnvd-[0-9]{4}-[0-9]{5}", r"certfr-[0-9]{4}-avi-[0-9]{4}", r"certfr-[0-9]{4}-ale-[0-9]{3}",
    )),
    re.ASCII | re.IGNORECASE,  # ASCII: no Unicode case folding (the Kelvin sign is not K)
)  # fmt: skip
_CVE_PREFIXES = frozenset({"cve", "gcve"})
_CWE_RE = re.compile(r"CWE-[0-9]+")
# Hash formats MISP checks loosely: TLSH is "t" and/or more than 35 hex digits; telfhash
# is checked for length only, impfuzzy for a numeric import count.
_TLSH_RE = re.compile(r"t?[0-9a-f]{36,}")
_TELFHASH_RE = re.compile(r".{70}(?:..)?", re.DOTALL)
_CDHASH_RE = re.compile(r"[0-9a-f]{40,}")
_ONE_LINE_RE = re.compile(r"[^\n]+")
_SSDEEP_RE = re.compile(r"[0-9]+:[0-9a-zA-Z/+]*:[0-9a-zA-Z/+]*")
_IMPFUZZY_RE = re.compile(r"[0-9]+:[^:]*:[^:]*")
_ONION_RE = re.compile(r"(?:[a-z2-7]{16}|[a-z2-7]{56})\.onion")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAC_SEPARATORS = str.maketrans("", "", ".:- ")
_BOOLEANS = {"true": "1", "1": "1", "false": "0", "0": "0"}
# MISP searches (does not anchor) for a method name anywhere in the value.
_HTTP_METHOD_RE = re.compile(
    "OPTIONS|GET|HEAD|POST|PUT|DELETE|TRACE|CONNECT|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|"
    "UNLOCK|VERSION-CONTROL|REPORT|CHECKOUT|CHECKIN|UNCHECKOUT|MKWORKSPACE|UPDATE|LABEL|"
    "MERGE|BASELINE-CONTROL|MKACTIVITY|ORDERPATCH|ACL|PATCH|SEARCH"
)

# AttributeValidationTool::HASH_HEX_LENGTH; telfhash is handled apart.
_HEX_LENGTHS = {
    "md5": 32, "imphash": 32, "dom-hash": 32, "ja3-fingerprint-md5": 32, "hassh-md5": 32,
    "hasshserver-md5": 32, "sha1": 40, "pehash": 40, "git-commit-id": 40, "sha224": 56,
    "sha512/224": 56, "sha3-224": 56, "jarm-fingerprint": 62, "sha256": 64,
    "authentihash": 64, "sha512/256": 64, "sha3-256": 64, "sha384": 96, "sha3-384": 96,
    "sha512": 128, "sha3-512": 128,
}  # fmt: skip
_X509_LENGTHS = {"x509-fingerprint-md5": 32, "x509-fingerprint-sha1": 40,
                 "x509-fingerprint-sha256": 64}  # fmt: skip

# Free text that must fit on one line (MISP's "no new line" group); edge-extension-id
# is newer than MISP's rules and is treated like chrome-extension-id.
_ONE_LINE_TYPES = frozenset("""
target-user campaign-name campaign-id threat-actor target-machine target-org target-location
target-external email-subject malware-type uri user-agent regkey filename pdb
windows-scheduled-task whois-registrant-name whois-registrant-org whois-registrar
whois-creation-date date-of-birth place-of-birth gender passport-number passport-country
passport-expiration redress-number nationality visa-number issue-date-of-the-visa
primary-residence country-of-residence special-service-request frequent-flyer-number
travel-details payment-details place-port-of-original-embarkation place-port-of-clearance
place-port-of-onward-foreign-destination passenger-name-record-locator-number
email-dst-display-name email-src-display-name email-reply-to email-x-mailer
email-mime-boundary email-thread-index email-message-id github-username github-repository
github-organisation twitter-id dkim dkim-signature favicon-mmh3 chrome-extension-id
edge-extension-id mobile-application-id azure-application-id
""".split()) | {"named pipe"}  # fmt: skip


# --- text and number checks ---------------------------------------------------------------


def _same(value: str) -> str:
    return value


def _one_line(value: str) -> str | None:
    return None if "\n" in value else value


def _matching(pattern: re.Pattern[str], prepare: Callable[[str], str] = _same) -> Check:
    """A check that ``prepare(value)`` fully matches ``pattern``."""

    def check(value: str) -> str | None:
        value = prepare(value)
        return value if pattern.fullmatch(value) else None

    return check


def _http_method(value: str) -> str | None:
    value = r.ascii_upper(value)
    return value if _HTTP_METHOD_RE.search(value) else None


def _vulnerability_id(value: str) -> str:
    # MISP turns an en dash (a frequent copy-paste artefact) into a hyphen.
    return r.ascii_upper(value.replace("\u2013", "-"))


def _vulnerability(value: str) -> str | None:
    """MISP 2.5: CVE and GCVE ids are upper-cased, other ids kept as sent. Deviation:
    MISP upper-cases ``cve-`` only when written in lower case; we also do ``Cve-``."""
    value = value.replace("\u2013", "-")
    if r.ascii_lower(value.partition("-")[0]) in _CVE_PREFIXES:
        value = r.ascii_upper(value)
    return value if _VULNERABILITY_RE.fullmatch(value) else None


def _digits_only(value: str) -> str:
    return _NOT_DIGIT_RE.sub("", value)


def _phone(value: str) -> str:
    """MISP: ``00`` -> ``+``, drop ``(0)``, keep ``+`` and digits. Deviation: ``00`` is
    replaced last, so that a second pass leaves the result as it is."""
    value = _NOT_PHONE_RE.sub("", value.replace("(0)", ""))
    return "+" + value[2:] if value.startswith("00") else value


def _mac_check(octets: int) -> Check:
    """``mac-address`` (6 octets), ``mac-eui-64`` (8): any separators -> ``aa:bb:...``."""

    def check(value: str) -> str | None:
        digits = r.ascii_lower(value).translate(_MAC_SEPARATORS)
        if len(digits) != 2 * octets or not r.is_hex(digits):
            return None
        return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))

    return check


def _unsigned(value: str) -> str | None:
    """``counter``, ``size-in-bytes``: a whole number >= 0 (MISP sets no maximum)."""
    return r.canonical_uint(value, _MAX_BYTES)


def _integer(value: str) -> str | None:
    """Deviation: MISP's ``integer`` rule (``is_int``) rejects every string, so every
    ``integer`` sent over the API; we accept a signed whole number."""
    number = r.canonical_uint(value[1:] if value[:1] in "+-" else value, _MAX_BYTES)
    if number is None or number == "0" or not value.startswith("-"):
        return number
    return "-" + number


def _autonomous_system(value: str) -> str | None:
    """``AS123``, ``as123``, ``123`` or asdot ``1.10`` -> ``123`` / ``65546`` (as MISP)."""
    if value[:2].upper() == "AS":
        value = value[2:]
    high, dot, low = value.partition(".")
    if dot:
        a, b = r.canonical_uint(high, 10), r.canonical_uint(low, 10)
        number = None if a is None or b is None else int(a) * 65536 + int(b)
    else:
        digits = r.canonical_uint(value, 10)
        number = None if digits is None else int(digits)
    return None if number is None or number > 0xFFFFFFFF else str(number)


def _boolean(value: str) -> str | None:
    """Deviation: MISP maps every PHP-truthy string to ``1`` (``"no"`` is true); we take
    only true/false/1/0, in any case."""
    return _BOOLEANS.get(r.ascii_lower(value))


def _json(value: str) -> str | None:
    try:
        json.loads(value)
    except (ValueError, RecursionError):
        return None
    return value


def _windows_service(value: str) -> str | None:
    too_long = len(value) > 64 and len(value.encode("utf-8", "surrogatepass")) > 256
    return None if too_long or "/" in value or "\\" in value else value


# --- the type -> rule table -------------------------------------------------------------

_Entry = tuple[Check, str]
_ONE_LINE = "expected a single line of text"
_COMPOUND = "expected two parts separated by a single '|'"
_ALNUM = "expected letters and digits only"
_EMAIL = "expected an e-mail address"


def _hash_checks(known: frozenset[str]) -> tuple[dict[str, _Entry], dict[str, tuple[Rule, str]]]:
    """Hashes and fingerprints: the single types, and the ``filename|<hash>`` rules."""
    lowered = r.ascii_lower
    singles: dict[str, _Entry] = {
        "tlsh": (_matching(_TLSH_RE, lowered), "expected more than 35 hex digits, maybe after t"),
        "telfhash": (_matching(_TELFHASH_RE, lowered), "expected 70 or 72 characters"),
        "cdhash": (_matching(_CDHASH_RE, lowered), "expected 40 or more hexadecimal characters"),
        "vhash": (_matching(_ONE_LINE_RE, lowered), _ONE_LINE),
        "ssdeep": (_matching(_SSDEEP_RE), "expected blocksize:hash:hash"),
        "impfuzzy": (_matching(_IMPFUZZY_RE), "expected imports:hash:hash"),
        "ssh-fingerprint": (r.ssh_fingerprint, "expected an MD5 or SHA256 SSH fingerprint"),
    }
    for type_, length in _HEX_LENGTHS.items():
        singles[type_] = r.hex_check(length), f"expected {length} hexadecimal characters"
    for type_, length in _X509_LENGTHS.items():
        singles[type_] = r.hex_check(length, True), f"expected {length} hexadecimal characters"
    compounds: dict[str, tuple[Rule, str]] = {}
    for type_, (check, expected) in singles.items():
        if "filename|" + type_ in known:
            rule = r.filename_rule(check, lower=type_ not in ("ssdeep", "impfuzzy"))
            compounds["filename|" + type_] = rule, f"{expected} after 'filename|'"
    return singles, compounds


def _network_checks() -> dict[str, _Entry]:
    """Addresses and names."""
    ip, domain = "expected an IPv4 or IPv6 address, optionally with a CIDR prefix", r.domain
    checks: dict[str, _Entry] = {
        "ip-src": (r.ip_or_cidr, ip),
        "ip-dst": (r.ip_or_cidr, ip),
        "domain": (domain, "expected a domain name such as example.com"),
        "hostname": (domain, "expected a host name such as www.example.com"),
        "url": (r.url, _ONE_LINE),
        "link": (r.link, "expected an absolute URL such as https://example.com/"),
        "port": (r.canonical_port, "expected a port number 1-65535"),
        "AS": (_autonomous_system, "expected an AS number 0-4294967295, optionally after AS"),
        "mac-address": (_mac_check(6), "expected a MAC address of 6 octets"),
        "mac-eui-64": (_mac_check(8), "expected an EUI-64 address of 8 octets"),
        "onion-address": (_matching(_ONION_RE, r.ascii_lower), "expected a v2 or v3 onion name"),
    }
    for types, check in (
        (("email", "email-src", "email-dst"), r.email_check(refang=True, lower=True)),
        (("target-email", "whois-registrant-email"), r.email_check(refang=False, lower=True)),
        (("eppn", "dns-soa-email", "jabber-id"), r.email_check(refang=False, lower=False)),
    ):
        checks |= dict.fromkeys(types, (check, _EMAIL))
    return checks


def _text_checks() -> dict[str, _Entry]:
    """Numbers, codes, and constrained text."""
    number, digits = _matching(_NUMERIC_RE), _matching(_DIGITS_RE, _digits_only)
    checks: dict[str, _Entry] = {
        "http-method": (_http_method, "expected an HTTP method such as GET"),
        "hex": (_matching(_UPPER_HEX_RE, r.ascii_upper), "expected hexadecimal characters"),
        "vulnerability": (_vulnerability, "expected a CVE, GHSA or other advisory id"),
        "weakness": (_matching(_CWE_RE, _vulnerability_id), "expected CWE-N"),
        "datetime": (r.date_time, "expected an ISO 8601 date and time"),
        "size-in-bytes": (_unsigned, "expected a whole number >= 0"),
        "counter": (_unsigned, "expected a whole number >= 0"),
        "integer": (_integer, "expected a whole number"),
        "boolean": (_boolean, "expected true, false, 1 or 0"),
        "cortex": (_json, "expected a JSON document"),
        "uuid": (_matching(_UUID_RE, r.ascii_lower), "expected a UUID"),
        "anonymised": (r.ascii_lower, "expected a value"),
        "windows-service-name": (_windows_service, "expected <= 256 bytes without / or \\"),
    }
    checks["windows-service-displayname"] = checks["windows-service-name"]
    checks |= dict.fromkeys(("cc-number", "bin"), (digits, "expected digits"))
    bank = _matching(_ALNUM_RE, lambda v: _NOT_BANK_RE.sub("", r.ascii_upper(v)))
    checks |= dict.fromkeys(("iban", "bic"), (bank, _ALNUM))
    checks |= dict.fromkeys(("btc", "dash", "xmr"), (_matching(_ALNUM_RE), _ALNUM))
    phone = (_matching(_NUMERIC_RE, _phone), "expected a phone number")
    checks |= dict.fromkeys(("prtn", "phone-number", "whois-registrant-phone"), phone)
    checks |= dict.fromkeys(("bank-account-nr", "aba-rtn", "float"), (number, "expected a number"))
    checks |= dict.fromkeys(_ONE_LINE_TYPES, (_one_line, _ONE_LINE))
    return checks


def _compound(value: str) -> Pair | None:
    """Any ``a|b`` with exactly one ``|`` (MISP's validComposite). Deviation: ``a`` must
    not be empty."""
    first, sep, second = value.partition("|")
    return None if not sep or not first or "|" in second else (first, second)


def _single(check: Check) -> Rule:
    """A single-value check as a rule returning ``(value, "")``."""

    def rule(value: str) -> Pair | None:
        checked = check(value)
        return None if checked is None else (checked, "")

    return rule


@cache
def _dispatch() -> dict[str, tuple[Rule, str, bool]]:
    """Every known type -> (rule, what a valid value looks like, whether compound).
    Types without a specific rule take any value (any ``a|b`` if compound)."""
    known = attribute_types()
    singles, rules = _hash_checks(known)
    singles |= _network_checks() | _text_checks()
    rules |= {
        "ip-src|port": (r.ip_with_port, "expected an IP address and a port, e.g. 192.0.2.1|443"),
        "domain|ip": (r.domain_ip, "expected a domain and an IP, e.g. example.com|192.0.2.1"),
        "hostname|port": (r.hostname_port, "expected a host and a port, e.g. example.com|443"),
        "regkey|value": (lambda v: None if "\n" in v else _compound(v), _COMPOUND),
        # Deviation: MISP takes any ``a|b`` here (it computes the MD5 itself when it gets
        # the sample with ``encrypt``); a second part that is not an MD5 would break
        # whatever reads the sample back by its hash, so we refuse it.
        "malware-sample": (
            r.filename_rule(r.hex_check(32)),
            "expected a file name and the sample's MD5, e.g. x.exe|<32 hexadecimal digits>",
        ),
    }
    rules["ip-dst|port"] = rules["ip-src|port"]
    table: dict[str, tuple[Rule, str, bool]] = {}
    for type_ in known:
        if is_compound(type_):
            rule, expected = rules.get(type_, (_compound, _COMPOUND))
            table[type_] = rule, expected, True
        else:
            check, expected = singles.get(type_, (_same, "expected a value"))
            table[type_] = _single(check), expected, False
    return table


# --- public API ---------------------------------------------------------------------------


def _invalid(type_: str, value: str, reason: str) -> InvalidValue:
    shown = value if len(value) <= _MESSAGE_CHARS else value[:_MESSAGE_CHARS] + "\u2026"
    return InvalidValue(f"{shown!r} is not a valid value for type {type_!r}: {reason}")


def _generic_problem(first: str, second: str, compound: bool) -> str | None:
    """MISP's type-independent checks on the normalised value: what fails, or ``None``."""
    if not first:  # the rules reject this already; kept as the model's own guarantee
        return "expected a non-empty value"
    if not first.isprintable() and _CONTROL_RE.fullmatch(first):
        return "the value consists only of control characters"
    if second and not second.isprintable() and _CONTROL_RE.fullmatch(second):
        return "the second part consists only of control characters"
    size = len(first) + len(second) + compound
    if not (first.isascii() and second.isascii()):
        try:
            size = len(first.encode()) + len(second.encode()) + compound
        except UnicodeEncodeError:  # a lone surrogate, e.g. from the JSON "\ud800"
            return "the value is not valid Unicode text"
    return None if size <= _MAX_BYTES else f"the value is longer than {_MAX_BYTES} bytes"


def normalize_value(type_: str, value: str) -> tuple[str, str]:
    """Validate ``value`` for the MISP attribute type ``type_`` and return it normalised
    as MISP stores it, as ``(value1, value2)``; ``value2`` is ``""`` unless the type is
    compound (``a|b``).

    Raises :class:`InvalidValue` for an unknown type or an invalid value; the message
    names the type and quotes the value (truncated). Deviation: MISP turns characters
    beyond the BMP (emoji) into ``?`` for its 3-byte MySQL utf8 columns; we keep them.
    """
    entry = _dispatch().get(type_)
    if entry is None:
        raise InvalidValue(f"unknown attribute type {type_!r}")
    rule, expected, compound = entry
    trimmed = value.strip(_PHP_TRIM)
    pair = rule(trimmed) if trimmed else None
    if pair is None:
        raise _invalid(type_, value, expected if trimmed else "expected a non-empty value")
    problem = _generic_problem(pair[0], pair[1], compound)
    if problem is not None:
        raise _invalid(type_, value, problem)
    return pair


def split_compound(type_: str, value: str) -> tuple[str, str]:
    """Split a value into ``(value1, value2)`` without normalising it: on its one ``|``
    if ``type_`` is compound, else ``(value, "")``. Raises :class:`InvalidValue` if a
    compound value does not have exactly one ``|``."""
    if not is_compound(type_):
        return value, ""
    first, sep, second = value.partition("|")
    if not sep or "|" in second:
        raise _invalid(type_, value, _COMPOUND)
    return first, second


def join_value(type_: str, value1: str, value2: str) -> str:
    """The one-string ``value`` MISP shows for ``(value1, value2)``."""
    return f"{value1}|{value2}" if is_compound(type_) else value1


def ip_range(value: str) -> tuple[bytes, bytes] | None:
    """The lowest and highest address of an IP or CIDR string as 16-byte big-endian,
    IPv4 mapped to ``::ffff:a.b.c.d`` so both families compare in one key space; equal
    for a single address. ``None`` if ``value`` is neither. Host bits are ignored:
    ``10.0.0.5/24`` is ``10.0.0.0``-``10.0.0.255``."""
    address, slash, prefix = value.partition("/")
    if "%" in address:  # ipaddress accepts IPv6 zone ids; MISP does not
        return None
    try:
        parsed = ip_address(address)
    except ValueError:
        return None
    width = 32 if isinstance(parsed, IPv4Address) else 128
    bits = r.canonical_uint(prefix, 3) if slash else str(width)
    if bits is None or int(bits) > width:
        return None
    host_bits = width - int(bits)
    low = (int(parsed) >> host_bits << host_bits) | (0xFFFF << 32 if width == 32 else 0)
    high = low | ((1 << host_bits) - 1)
    return low.to_bytes(16, "big"), high.to_bytes(16, "big")


def network_host_bits(low: bytes, high: bytes) -> int:
    """The number of host bits of the network :func:`ip_range` gave as ``(low, high)``:
    8 for an IPv4 /24, 64 for an IPv6 /64, 0 for a single address."""
    return (int.from_bytes(low, "big") ^ int.from_bytes(high, "big")).bit_length()
