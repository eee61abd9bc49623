"""What kind of value a MISP field holds, which decides the techniques that apply.

A MISP attribute type maps to one kind per part (``ip-dst|port`` has an ``ip`` part and a
``port`` part); event and attribute fields that are not values have fixed kinds
(``info`` and ``comment`` are ``text``, timestamps are ``timestamp``).
"""

from __future__ import annotations

IP = "ip"
EMAIL = "email"
HOSTNAME = "hostname"
USERNAME = "username"
ORG = "org"
URL = "url"
PORT = "port"
TIMESTAMP = "timestamp"
TEXT = "text"
NUMBER = "number"
TABLE = "table"
#: Any other attribute value (hashes, file names, registry keys...).
VALUE = "value"

ALL_KINDS = frozenset(
    {IP, EMAIL, HOSTNAME, USERNAME, ORG, URL, PORT, TIMESTAMP, TEXT, NUMBER, TABLE, VALUE}
)

_SINGLE: dict[str, str] = {
    **dict.fromkeys(("ip-src", "ip-dst"), IP),
    **dict.fromkeys(
        (
            "email",
            "email-src",
            "email-dst",
            "target-email",
            "whois-registrant-email",
            "email-reply-to",
            "dns-soa-email",
            "jabber-id",
        ),
        EMAIL,
    ),
    **dict.fromkeys(("hostname", "domain", "target-machine"), HOSTNAME),
    **dict.fromkeys(
        (
            "target-user",
            "github-username",
            "twitter-id",
            "gitlab-username",
            "email-src-display-name",
            "email-dst-display-name",
            "whois-registrant-name",
            "first-name",
            "last-name",
            "full-name",
        ),
        USERNAME,
    ),
    **dict.fromkeys(("target-org", "whois-registrant-org", "github-organisation"), ORG),
    **dict.fromkeys(("url", "uri", "link"), URL),
    "port": PORT,
    "datetime": TIMESTAMP,
    **dict.fromkeys(("text", "comment", "email-body", "email-subject", "other"), TEXT),
    **dict.fromkeys(("counter", "float"), NUMBER),
}

_COMPOSITE: dict[str, tuple[str, str]] = {
    "ip-src|port": (IP, PORT),
    "ip-dst|port": (IP, PORT),
    "domain|ip": (HOSTNAME, IP),
    "hostname|port": (HOSTNAME, PORT),
}

#: The MISP types a detected entity of each kind would have as a structured attribute.
TYPES_OF_KIND: dict[str, frozenset[str]] = {
    kind: frozenset(t for t, k in _SINGLE.items() if k == kind) for kind in set(_SINGLE.values())
}


def part_kinds(misp_type: str) -> tuple[str, ...]:
    """The kind of each ``|``-separated part of a value of ``misp_type``."""
    if misp_type in _COMPOSITE:
        return _COMPOSITE[misp_type]
    if "|" in misp_type:
        return tuple(_SINGLE.get(part, VALUE) for part in misp_type.split("|"))
    return (_SINGLE.get(misp_type, VALUE),)
