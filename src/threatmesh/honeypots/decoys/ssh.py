"""The libssh server authentication bypass (CVE-2018-10933): a libssh 0.7.6 server
takes a client's ``SSH2_MSG_USERAUTH_SUCCESS`` (52) as proof that it authenticated.

The emulation sends libssh's banner and a key exchange offer, reads the client's
version line and plaintext binary packets, and flags a packet of type 52. It does not
complete a real key exchange (no keys, no cipher): a tool that encrypts before sending
its 52 is recorded as an interaction (its version and KEXINIT), not as an exploit."""

from __future__ import annotations

import struct

from threatmesh.honeypots.decoys.base import MAX_REQUEST, Decoy, Step

__all__ = ["DECOYS", "LIBSSH", "packet"]

BANNER = b"SSH-2.0-libssh_0.7.6\r\n"
USERAUTH_SUCCESS = 52
CHANNEL_OPEN, CHANNEL_OPEN_CONFIRMATION, DISCONNECT, KEXINIT = 90, 91, 1, 20
_ALGORITHMS = (b"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha1",
               b"ssh-rsa", b"aes256-ctr,aes192-ctr,aes128-ctr", b"aes256-ctr,aes192-ctr,aes128-ctr",
               b"hmac-sha2-256,hmac-sha1", b"hmac-sha2-256,hmac-sha1", b"none", b"none",
               b"", b"")  # fmt: skip


def packet(payload: bytes) -> bytes:
    """An unencrypted SSH binary packet (RFC 4253, section 6) with ``payload``."""
    padding = 8 - (len(payload) + 5) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + b"\x00" * padding


def _kexinit() -> bytes:
    names = b"".join(struct.pack(">I", len(n)) + n for n in _ALGORITHMS)
    # A fixed cookie: emulations are pure (a real server's is random).
    return packet(bytes([KEXINIT]) + b"\x13" * 16 + names + b"\x00" + b"\x00\x00\x00\x00")


class LibsshSession:
    """One client of the libssh decoy."""

    def __init__(self) -> None:
        self._buffer = b""
        self._versioned = False
        self._packets = 0
        self._exploit = False

    def opening(self) -> bytes:
        """libssh's identification string."""
        return BANNER

    def receive(self, data: bytes) -> Step:
        """Version line, then packets; a 52 is the exploit."""
        self._buffer += data
        reply = b""
        if not self._versioned:
            line, sep, rest = self._buffer.partition(b"\n")
            if not sep:
                return Step(done=len(self._buffer) > 255)
            if not line.startswith(b"SSH-"):
                return Step(b"Protocol mismatch.\n", done=True)
            self._versioned, self._buffer, reply = True, rest, _kexinit()
        done = False
        while len(self._buffer) >= 6:
            (length,) = struct.unpack(">I", self._buffer[:4])
            if length > MAX_REQUEST or length < 2:
                return Step(reply, done=True, exploit=self._exploit)
            if len(self._buffer) < 4 + length:
                break
            kind = self._buffer[5]
            self._buffer = self._buffer[4 + length :]
            self._packets += 1
            self._exploit = self._exploit or kind == USERAUTH_SUCCESS
            if kind == CHANNEL_OPEN:  # the session the bypass grants
                reply += packet(bytes([CHANNEL_OPEN_CONFIRMATION]) + b"\x00" * 16)
            done = kind == DISCONNECT or self._packets >= 16
        return Step(reply, done=done, exploit=self._exploit)


LIBSSH = Decoy(
    cve="CVE-2018-10933",
    title="libssh server authentication bypass",
    cpes=tuple(f"cpe:2.3:a:libssh:libssh:{v}.*:*:*:*:*:*:*:*" for v in ("0.6", "0.7", "0.8")),
    cvss="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
    port=22,
    protocol="ssh",
    session=LibsshSession,
    probe=(b"SSH-2.0-paramiko_2.4.1\r\n", packet(bytes([USERAUTH_SUCCESS])),
           packet(bytes([CHANNEL_OPEN]) + struct.pack(">I", 7) + b"session" + b"\x00" * 12)),
)  # fmt: skip

DECOYS = (LIBSSH,)
