"""Cowrie's JSON log, session by session: what happened in each SSH or Telnet session.

Cowrie writes one JSON record per line (``cowrie.session.connect``, ``cowrie.login.failed``,
``cowrie.command.input``, ``cowrie.session.file_download``, ``cowrie.session.closed``...),
every record naming its session. :class:`SessionAssembler` gathers the records of each
session and hands the session over when it closes, with the same reading as Cowrie's own
MISP output plugin (``cowrie.output.misp``), so that our ingest and that plugin describe
one session alike (see :mod:`threatmesh.honeypots.ingest.cowrie_misp`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Command",
    "CowrieSession",
    "Login",
    "SessionAssembler",
    "Transfer",
    "session_from_dict",
    "session_to_dict",
]

#: Commands the plugin flags as dangerous (fetching, opening sockets, wiping).
DANGEROUS = (
    "wget",
    "curl",
    "nc",
    "netcat",
    "ncat",
    "chmod +x",
    "rm -rf",
    "dd if=/dev/",
    "> /dev/sd",
)


@dataclass(frozen=True, slots=True)
class Login:
    """One authentication attempt."""

    username: str
    success: bool
    at: str
    password: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """One command line the attacker typed."""

    line: str
    at: str

    @property
    def dangerous(self) -> bool:
        """Whether the plugin would flag it (downloads, sockets, wiping)."""
        return any(d in self.line for d in DANGEROUS)


@dataclass(frozen=True, slots=True)
class Transfer:
    """A file the attacker downloaded into (url set) or uploaded to the honeypot."""

    shasum: str
    outfile: str
    at: str
    url: str | None = None

    @property
    def filename(self) -> str:
        """The stored file's name (Cowrie names downloads by their SHA-256)."""
        return self.outfile.rsplit("/", 1)[-1]


@dataclass(slots=True)
class CowrieSession:
    """Everything one session did, as far as the log has told so far."""

    id: str
    sensor: str
    src_ip: str
    protocol: str
    start: str
    dst_ip: str | None = None
    dst_port: int | None = None
    src_port: int | None = None
    client: dict[str, str] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    downloads: list[Transfer] = field(default_factory=list)
    uploads: list[Transfer] = field(default_factory=list)
    end: str | None = None
    duration_ms: int | None = None

    @property
    def authenticated(self) -> bool:
        """Whether a login succeeded."""
        return any(login.success for login in self.logins)

    @property
    def usernames(self) -> list[str]:
        """The user names tried, each once, in the order first tried."""
        return list(dict.fromkeys(login.username for login in self.logins))

    @property
    def active(self) -> bool:
        """Worth reporting (the plugin's rule): a login, a command or a transfer."""
        return bool(self.authenticated or self.commands or self.downloads or self.uploads)

    @property
    def attacker(self) -> bool:
        """Whether the session attacked: a brute force counts as much as a login."""
        return self.active or bool(self.logins)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) else None


class SessionAssembler:
    """Feeds on Cowrie's records; :meth:`feed` returns a session when it closes.

    Records without a session or a source address (Cowrie's own start-up lines) are
    ignored; a record of an unknown kind only keeps its session alive."""

    def __init__(self, pending: list[CowrieSession] | None = None) -> None:
        self._open: dict[str, CowrieSession] = {s.id: s for s in pending or []}

    @property
    def pending(self) -> list[CowrieSession]:
        """The sessions not closed yet (e.g. when the log ends mid-session)."""
        return list(self._open.values())

    def feed(self, record: Mapping[str, Any]) -> CowrieSession | None:
        """Take one record; the session it closes, if it closes one."""
        sid, src = _str(record, "session"), _str(record, "src_ip")
        if sid is None or src is None:
            return None
        at = _str(record, "timestamp") or ""
        session = self._open.get(sid)
        if session is None:
            session = self._open[sid] = CowrieSession(
                id=sid,
                sensor=_str(record, "sensor") or "cowrie",
                src_ip=src,
                protocol=_str(record, "protocol") or "unknown",
                start=at,
                dst_ip=_str(record, "dst_ip"),
                dst_port=_int(record.get("dst_port")),
                src_port=_int(record.get("src_port")),
            )
        if _apply(session, str(record.get("eventid", "")), record, at):
            return self._open.pop(sid)
        return None


def _apply(session: CowrieSession, kind: str, record: Mapping[str, Any], at: str) -> bool:
    """Record what ``record`` says in ``session``; True when it closes the session."""
    if kind == "cowrie.client.version" and (version := _str(record, "version")):
        session.client.setdefault("version", version)
    elif kind == "cowrie.client.kex" and (hassh := _str(record, "hassh")):
        session.client.setdefault("hassh", hassh)
    elif kind in ("cowrie.login.failed", "cowrie.login.success"):
        session.logins.append(
            Login(
                username=str(record.get("username", "")),
                success=kind == "cowrie.login.success",
                at=at,
                password=_str(record, "password"),
                fingerprint=_str(record, "fingerprint"),
            )
        )
    elif kind == "cowrie.command.input":
        session.commands.append(Command(str(record.get("input", "")), at))
    elif kind in ("cowrie.session.file_download", "cowrie.session.file_upload"):
        shasum, outfile = _str(record, "shasum"), _str(record, "outfile")
        if shasum and outfile:  # a failed download names no file
            transfer = Transfer(shasum, outfile, at, _str(record, "url"))
            target = session.downloads if kind.endswith("download") else session.uploads
            target.append(transfer)
    elif kind == "cowrie.session.closed":
        session.end, session.duration_ms = at, _int(record.get("duration_ms"))
        return True
    return False


def session_to_dict(session: CowrieSession) -> dict[str, Any]:
    """``session`` as JSON-ready data (to keep open sessions across a restart)."""
    return asdict(session)


def session_from_dict(data: Mapping[str, Any]) -> CowrieSession:
    """The session :func:`session_to_dict` wrote."""
    fields = dict(data)
    fields["logins"] = [Login(**x) for x in data.get("logins", [])]
    fields["commands"] = [Command(**x) for x in data.get("commands", [])]
    fields["downloads"] = [Transfer(**x) for x in data.get("downloads", [])]
    fields["uploads"] = [Transfer(**x) for x in data.get("uploads", [])]
    return CowrieSession(**fields)
