"""The e-mail ``events/contact`` sends to an event's reporter, as MISP writes it.

MISP's ``Event::sendContactEmail`` (subject) with its ``alert_contact`` and ``alert``
text templates (body): who asks and their message, then the event as the *requester*
may see it, so a reply cannot leak what they could not read. Indicators are defanged
as MISP defangs them (``hxxp``, ``[.]``, ``[at]``) so that no mail client makes them
clickable. Pure: an event view in, a subject and a body out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_RULE = "=" * 46
_DISTRIBUTIONS = ("Your organisation only", "This community only", "Connected communities",
                  "All communities", "Sharing group")  # fmt: skip
_THREAT_LEVELS = {"1": "High", "2": "Medium", "3": "Low", "4": "Undefined"}
_ANALYSIS = ("Initial", "Ongoing", "Completed")
_EMAILS = {"email-src", "email-dst", "whois-registrant-email", "dns-soa-email", "email-reply-to"}
_HTTP = re.compile("http", re.IGNORECASE)
_HOSTS = {"hostname", "domain", "ip-src", "ip-dst", "domain|ip"}
#: MISP's default subject mark when no tag names one (``MISP.email_subject_TLP_string``).
DEFAULT_MARK = "tlp:amber"


def subject_mark(tags: Iterable[Mapping[str, Any]], prefix: str = "tlp") -> str:
    """The event's first ``tlp:...`` (or ``tlp=...``) tag, else ``tlp:amber``: MISP's
    ``getEmailSubjectMarkForEvent`` with its default settings."""
    for tag in tags:
        name = str(tag.get("name", ""))
        head, sep = name[: len(prefix)], name[len(prefix) : len(prefix) + 1]
        if head.lower() == prefix.lower() and sep in (":", "=") and len(name) > len(prefix) + 1:
            return name
    return DEFAULT_MARK


def contact_subject(event: Mapping[str, Any], instance: str) -> str:
    """``[<host org> MISP] Need info about event <id> - <TLP MARK>``."""
    mark = subject_mark(event.get("Tag") or [])
    return f"[{instance} MISP] Need info about event {event.get('id')} - {mark.upper()}"


def defang(kind: str, value: str) -> str:
    """``value`` made unclickable the way MISP's alert e-mails do it."""
    if kind in ("url", "uri"):
        return _HTTP.sub("hxxp", value).replace(".", "[.]")
    if kind in _EMAILS:
        return value.replace("@", "[at]")
    if kind in _HOSTS:
        return value.replace(".", "[.]")
    return value


def _attribute_lines(attributes: Iterable[Mapping[str, Any]], indent: str) -> list[str]:
    lines = []
    for a in attributes:
        kind = str(a.get("type", ""))
        pad = " " * max(20 - 2 - len(kind), 0)
        ids = " (IDS)" if a.get("to_ids") else ""
        value = defang(kind, str(a.get("value", "")))
        lines.append(f"{indent}{a.get('category')}/{kind}{pad}: {value}{ids}")
        tags = [str(t.get("name")) for t in a.get("Tag") or []]
        if tags:
            lines.append(f"  - Tags: {', '.join(tags)}")
    return lines


def _level(names: tuple[str, ...], code: Any) -> str:
    index = int(code) if str(code).isdigit() else -1
    return names[index] if 0 <= index < len(names) else str(code)


def _header(event: Mapping[str, Any], base_url: str) -> list[str]:
    """MISP's ``alert`` template: the event's metadata, between rules."""
    lines = [
        _RULE,
        f"URL         : {base_url}/events/view/{event.get('id')}",
        f"Event ID    : {event.get('id')}",
        f"Date        : {event.get('date')}",
        f"Reported by : {(event.get('Orgc') or {}).get('name', '')}",
        f"Local owner of the event : {(event.get('Org') or {}).get('name', '')}",
        f"Distribution: {_level(_DISTRIBUTIONS, event.get('distribution'))}",
    ]
    if str(event.get("distribution")) == "4":
        lines.append(f"Sharing Group: {(event.get('SharingGroup') or {}).get('name', '')}")
    lines += [
        f"Tags: {', '.join(str(t.get('name')) for t in event.get('Tag') or [])}",
        f"Threat Level: {_THREAT_LEVELS.get(str(event.get('threat_level_id')), '')}",
        f"Analysis    : {_level(_ANALYSIS, event.get('analysis'))}",
        f"Description : {event.get('info')}",
    ]
    return lines


def _content(event: Mapping[str, Any]) -> list[str]:
    """The event's attributes, then its objects with theirs."""
    lines: list[str] = []
    if event.get("Attribute"):
        lines += ["", "Attributes:", *_attribute_lines(event["Attribute"], "  ")]
    if event.get("Object"):
        lines += ["", "Objects:"]
        for obj in event["Object"]:
            lines.append(f"  {obj.get('name')}/{obj.get('meta-category')}")
            lines += _attribute_lines(obj.get("Attribute") or [], "    ")
    return lines


def contact_body(event: Mapping[str, Any], *, requester: str, message: str, base_url: str) -> str:
    """The body: MISP's ``alert_contact`` text, then the event (``alert``)."""
    lines = [
        "Hello,",
        "",
        "Someone wants to get in touch with you concerning a MISP event.",
        "",
        f"You can reach them at {requester}",
        "",
        "They wrote the following message:",
        message,
        "",
        "",
        "The event is the following:",
        *_header(event, base_url),
        *_content(event),
        "",
        _RULE,
        "You receive this e-mail because someone asked about an event your organisation",
        f"reported on the MISP instance at {base_url}.",
        _RULE,
    ]
    return "\n".join(lines) + "\n"
