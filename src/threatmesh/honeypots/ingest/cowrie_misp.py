"""A Cowrie session as a MISP event, the way Cowrie's own MISP output plugin writes it.

The event has the same title, tags, attributes and objects (``cowrie-session``,
``cowrie-authentication``, ``cowrie-commands``, ``cowrie-file-download``,
``cowrie-file-upload``, templateless as the plugin sends them) as the one
``cowrie.output.misp`` 3.1 makes, so a platform fed by our log ingest and one fed by the
plugin hold the same data, and each route recognises a session the other already reported
(by the ``cowrie-session`` object's ``id``). Two differences, both additions: the client's
SSH version and HASSH (the plugin reads them from the session's first record, which never
holds them), and a UUID derived from sensor and session, so reading a log twice writes the
event once.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from threatmesh.honeypots.ingest.cowrie import CowrieSession, Transfer

__all__ = ["SESSION_NAMESPACE", "cowrie_source", "session_event", "session_uuid"]

#: The namespace of session event UUIDs (uuid5 of ``<sensor>/<session id>``).
SESSION_NAMESPACE = uuid.UUID("0b5c3f8e-1d2a-5c7e-8f90-3a4b5c6d7e8f")
STANDARD_TAGS = (
    "tlp:white",
    "type:honeypot",
    'honeypot-basic:data-capture="attacks"',
    'honeypot-basic:containment="block"',
    "type:OSINT",
    "cowrie:session",
)
_ATTACK = 'misp-galaxy:mitre-attack-pattern="{} - {}"'
VALID_ACCOUNTS = _ATTACK.format("Valid Accounts", "T1078")
BRUTE_FORCE = _ATTACK.format("Brute Force", "T1110")
SCRIPTING = _ATTACK.format("Command and Scripting Interpreter", "T1059")
INGRESS = _ATTACK.format("Ingress Tool Transfer", "T1105")
STAGED = _ATTACK.format("Data Staged", "T1074")

Json = dict[str, Any]


def cowrie_source(sensor: str) -> str:
    """The ``source`` of sightings a Cowrie sensor records (the plugin's spelling)."""
    return f"{sensor} (Cowrie)"


def session_uuid(session: CowrieSession) -> str:
    """The UUID of the event of ``session`` (stable across reads of the log)."""
    return str(uuid.uuid5(SESSION_NAMESPACE, f"{session.sensor}/{session.id}"))


def _attr(relation: str, kind: str, value: str) -> Json:
    return {"object_relation": relation, "type": kind, "value": value}


def _object(name: str, attributes: list[Json]) -> Json:
    return {"name": name, "meta-category": "network", "Attribute": attributes}


def title(session: CowrieSession) -> str:
    """The event's ``info``, word for word the plugin's."""
    text = "Successful Login" if session.authenticated else "Attempted Access"
    if session.commands:
        text += f" with {len(session.commands)} Commands"
    if session.downloads:
        text += f" and {len(session.downloads)} Downloads"
    if session.uploads:
        text += f" and {len(session.uploads)} Uploads"
    return (
        f"{session.protocol.upper()} {text} from {session.src_ip} (Cowrie Session {session.id[:8]})"
    )


def _session_object(session: CowrieSession) -> Json:
    attrs = [_attr("id", "text", session.id), _attr("start-time", "datetime", session.start)]
    if session.end:
        attrs.append(_attr("end-time", "datetime", session.end))
    if session.duration_ms:
        attrs.append(_attr("duration", "text", str(session.duration_ms)))
    if session.dst_ip:
        attrs.append(_attr("dst-ip", "ip-dst", session.dst_ip))
    if session.dst_port:
        attrs.append(_attr("dst-port", "port", str(session.dst_port)))
    attrs += [_attr(f"client-{k}", "text", v) for k, v in sorted(session.client.items())]
    return _object("cowrie-session", attrs)


def _auth_object(session: CowrieSession) -> Json:
    attrs = [_attr("username", "text", name) for name in session.usernames]
    attrs.append(_attr("authentication-success", "text", str(session.authenticated).lower()))
    for i, login in enumerate(session.logins, start=1):
        text = f"User: {login.username}, "
        if login.password is not None:
            text += f"Password: {login.password}, "
        elif login.fingerprint is not None:
            text += f"Fingerprint: {login.fingerprint}, "
        attrs.append(_attr(f"attempt-{i}", "text", f"{text}Success: {login.success}"))
    return _object("cowrie-authentication", attrs)


def _commands_object(session: CowrieSession) -> Json:
    attrs = [_attr("summary", "text", f"{len(session.commands)} commands executed")]
    for i, command in enumerate(session.commands, start=1):
        if command.line.strip():
            attrs.append(_attr(f"command-{i}", "text", command.line))
            if command.at:
                attrs.append(_attr(f"timestamp-{i}", "datetime", command.at))
    return _object("cowrie-commands", attrs)


def _transfer_object(transfer: Transfer, upload: bool) -> Json:
    attrs = []
    if upload:
        attrs.append(_attr("sha256", "sha256", transfer.shasum))
    elif transfer.url:
        attrs.append(_attr("url", "url", transfer.url))
    attrs.append(_attr("filename", "filename", transfer.filename))
    if transfer.at:
        attrs.append(_attr("timestamp", "datetime", transfer.at))
    if upload:
        attrs.append(_attr("attachment-type", "text", "Uploaded to honeypot"))
    return _object("cowrie-file-upload" if upload else "cowrie-file-download", attrs)


def _sample(session: CowrieSession, transfer: Transfer, content: bytes) -> Json:
    md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
    return {
        "type": "malware-sample",
        "category": "Payload delivery",
        "value": f"{transfer.filename}|{md5}",
        "data": base64.b64encode(content).decode(),
        "to_ids": True,
        "comment": f"File downloaded to Cowrie honeypot in session {session.id}",
    }


def summary(session: CowrieSession) -> str:
    """The plugin's text summary of the session."""
    lines = [
        f"Cowrie Honeypot Session Summary for {session.id}",
        f"Protocol: {session.protocol.upper()}",
        f"Source IP: {session.src_ip}",
        f"Start Time: {session.start}",
        f"End Time: {session.end or 'unknown'}",
        f"Duration: {session.duration_ms or 'unknown'} milliseconds",
        f"Authentication Success: {session.authenticated}",
        f"Usernames Attempted: {', '.join(session.usernames)}",
        f"Number of Commands: {len(session.commands)}",
        f"Number of Downloads: {len(session.downloads)}",
        f"Number of Uploads: {len(session.uploads)}",
    ]
    if session.commands:
        lines.append("\nCommands executed:")
        lines += [f"{i}. {c.line}" for i, c in enumerate(session.commands, 1) if c.line.strip()]
    if session.downloads:
        lines.append("\nFiles downloaded:")
        lines += [
            f"{i}. URL: {d.url or 'unknown'}, Filename: {d.filename}"
            for i, d in enumerate(session.downloads, 1)
        ]
    if session.uploads:
        lines.append("\nFiles uploaded:")
        lines += [
            f"{i}. Filename: {u.filename}, SHA256: {u.shasum}"
            for i, u in enumerate(session.uploads, 1)
        ]
    return "\n".join(lines)


def _tags(session: CowrieSession) -> list[str]:
    tags = list(STANDARD_TAGS)
    if session.logins:
        tags.append(VALID_ACCOUNTS if session.authenticated else BRUTE_FORCE)
    if session.commands:
        tags.append(SCRIPTING)
    if session.downloads:
        tags.append(INGRESS)
    if session.uploads:
        tags.append(STAGED)
    return tags


def session_event(session: CowrieSession, samples: Mapping[str, bytes]) -> Json:
    """The ``events/add`` body for ``session``. ``samples``: the content of downloaded
    files by SHA-256, as far as they can be read (a file not there gets no
    ``malware-sample``, as with the plugin)."""
    attributes: list[Json] = [{"type": "ip-src", "value": session.src_ip, "to_ids": True}]
    objects = [_session_object(session)]
    if session.logins:
        objects.append(_auth_object(session))
    if session.commands:
        objects.append(_commands_object(session))
    for download in session.downloads:
        if (content := samples.get(download.shasum)) is not None:
            attributes.append(_sample(session, download, content))
        objects.append(_transfer_object(download, upload=False))
    objects += [_transfer_object(upload, upload=True) for upload in session.uploads]
    attributes.append({"type": "text", "value": summary(session)})
    return {
        "uuid": session_uuid(session),
        "info": title(session),
        "Tag": [{"name": name} for name in _tags(session)],
        "Attribute": attributes,
        "Object": objects,
    }
