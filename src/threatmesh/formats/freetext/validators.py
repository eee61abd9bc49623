"""The PHP ``filter_var`` checks MISP's free-text parser relies on, as plain functions.

``FILTER_VALIDATE_EMAIL`` and ``FILTER_VALIDATE_URL`` are written here from the rules PHP
applies, not copied: an e-mail is a dot-atom (or quoted) local part of at most 64
characters and a host of at least two labels whose last starts with a letter (or ``xn--``),
or an address literal; a URL needs a scheme, only the characters ``FILTER_SANITIZE_URL``
keeps, and for http(s) a valid host name (or bracketed IPv6) with a numeric port.
"""

from __future__ import annotations

import ipaddress
import re
import string

__all__ = ["is_email", "is_hostname", "is_ip", "is_url"]

_EMAIL_MAX = 320
_ADDRESS_MAX = 254
_LOCAL_MAX = 64
_DOMAIN_LABEL_LIMIT = 64
_LABEL_MAX = 63
_HOST_MAX = 253
_PORT_MAX = 65535

# Local part: atoms of the RFC 5322 "atext" characters, or quoted strings.
_ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_QUOTED = r'"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x21\x23-\x5b\x5d-\x7f]|\\[\x00-\x7f])*"'
_WORD = f"(?:{_ATOM}|{_QUOTED})"
_LOCAL = re.compile(rf"^{_WORD}(?:\.{_WORD})*$")
_LABEL = re.compile(r"^(?:xn--)?[a-z0-9]+(?:-+[a-z0-9]+)*$", re.IGNORECASE)
_LAST_LABEL = re.compile(r"^(?:[a-z][a-z0-9]*|xn--[a-z0-9]+)(?:-+[a-z0-9]+)*$", re.IGNORECASE)
_IPV4_LITERAL = re.compile(
    r"^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
)

# FILTER_SANITIZE_URL keeps letters, digits and these; a URL with anything else is invalid.
_URL_CHARS = frozenset(string.ascii_letters + string.digits + "$-_.+!*'(),{}|\\^~[]`<>#%\";/?:@&=")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_USERINFO = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$")
_HOSTLESS_SCHEMES = frozenset({"mailto", "news", "file"})


def is_ip(text: str) -> bool:
    """``FILTER_VALIDATE_IP``: a dotted quad (no leading zeros) or an IPv6 address."""
    if "%" in text:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _email_domain(domain: str) -> bool:
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        if literal[:5].lower() == "ipv6:":
            return is_ip(literal[5:]) and ":" in literal[5:]
        return _IPV4_LITERAL.match(literal) is not None
    labels = domain.split(".")
    if len(labels) < 2 or any(len(label) >= _DOMAIN_LABEL_LIMIT for label in labels):
        return False
    return all(_LABEL.match(x) for x in labels[:-1]) and bool(_LAST_LABEL.match(labels[-1]))


def is_email(text: str) -> bool:
    """``FILTER_VALIDATE_EMAIL`` (without the Unicode flag, as MISP calls it)."""
    if len(text) > _EMAIL_MAX or len(text) > _ADDRESS_MAX or "@" not in text:
        return False
    local, _, domain = text.rpartition("@")
    if not local or len(local) > _LOCAL_MAX or not _LOCAL.match(local):
        return False
    return _email_domain(domain)


def is_hostname(host: str) -> bool:
    """``FILTER_VALIDATE_DOMAIN`` with ``FILTER_FLAG_HOSTNAME`` (one trailing dot allowed)."""
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > _HOST_MAX:
        return False
    for label in host.split("."):
        if not label or len(label) > _LABEL_MAX:
            return False
        if not (label[0].isascii() and label[0].isalnum()):
            return False
        if not (label[-1].isascii() and label[-1].isalnum()):
            return False
        if any(not (c.isascii() and (c.isalnum() or c == "-")) for c in label):
            return False
    return True


def _authority(rest: str) -> tuple[str, str] | None:
    """``(userinfo, host[:port])`` of the part after ``scheme:``, or None without ``//``."""
    if not rest.startswith("//"):
        return None
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    userinfo, _, hostport = authority.rpartition("@")
    return userinfo, hostport


def _valid_host_port(hostport: str) -> bool:
    if hostport.startswith("["):
        literal, _, port = hostport[1:].partition("]")
        if not (is_ip(literal) and ":" in literal):
            return False
        port = port[1:] if port.startswith(":") else port
    else:
        host, _, port = hostport.partition(":")
        if not is_hostname(host):
            return False
    return not port or (port.isdigit() and int(port) <= _PORT_MAX)


def is_url(text: str) -> bool:
    """``FILTER_VALIDATE_URL`` (no path or query required)."""
    if not text or any(c not in _URL_CHARS for c in text):
        return False
    scheme_match = _SCHEME.match(text)
    if scheme_match is None:
        return False
    scheme = scheme_match.group(1).lower()
    parts = _authority(text[scheme_match.end() :])
    if parts is None:
        return scheme in _HOSTLESS_SCHEMES
    userinfo, hostport = parts
    if userinfo and not _USERINFO.match(userinfo):
        return False
    if scheme in ("http", "https"):
        return _valid_host_port(hostport)
    return bool(hostport) or scheme in _HOSTLESS_SCHEMES
