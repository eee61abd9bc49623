"""Zip archives encrypted with PKWARE's traditional scheme ("ZipCrypto"), bytes in, bytes out.

MISP stores every malware sample as such a zip, made by Info-ZIP's ``zip -j -P infected``
(``MISP:app/Lib/Tools/AttachmentTool.php encrypt``); PyMISP opens it with Python's
``zipfile``, which decrypts this scheme only (not WinZip AES). No maintained PyPI package
writes it from bytes (pyzipper and stream-zip write AES only; pyminizip has no Linux wheel
and no release since 2021), hence this writer, after PKWARE's APPNOTE.TXT 6.3.10:

- section 6.1: three 32-bit keys seeded with the password through CRC-32; each member's
  data is preceded by a 12-byte encryption header, 11 random bytes and the high byte of
  the member's CRC-32 (the check byte readers test the password with), and the header
  and the (compressed) data are XORed with the key stream;
- sections 4.3-4.4: local headers, central directory and end record, general purpose
  bit 0 set (encrypted); no data descriptor (bit 3), since the CRC is known up front;
  members deflated when that makes them smaller, stored otherwise, as Info-ZIP does.

This is a legacy container format, **not a security primitive**: the password is public
(``infected``), and the scheme is broken anyway. It only keeps antivirus scanners and
mail filters from eating samples at rest and in transit. Do not use it to protect data.

Pure: no I/O and no clock. The caller passes the members' date-time and, for
reproducible output, the source of the 11 random header bytes. Pure Python too: about
0.5-1 s per MiB on a loaded 2-core machine (``zipfile`` decrypts no faster), so callers
serving requests run it off the event loop.
"""

from __future__ import annotations

import datetime as dt
import secrets
import struct
import zlib
from collections.abc import Callable, Iterable

#: MISP's password for every malware sample (``AttachmentTool::ZIP_PASSWORD``).
PASSWORD = b"infected"

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_ENCRYPTED = 0x0001  # general purpose bit 0
_UTF8_NAME = 0x0800  # general purpose bit 11: the name is UTF-8
_STORED, _DEFLATED = 0, 8
_VERSION = 20  # 2.0: deflate and traditional encryption (APPNOTE 4.4.3.2)
_MADE_BY = (3 << 8) | _VERSION  # Unix, so that the mode below is honoured
_MODE = 0o100644 << 16  # a regular file, rw-r--r--
_LIMIT = 0xFFFFFFFF  # without Zip64
_HEADER_RANDOM = 11


def _crc_table() -> tuple[int, ...]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


_CRC = _crc_table()


def _stream_byte(low16: int) -> int:
    # APPNOTE 6.1 decrypt_byte(): temp = key2 | 2 (16 bits); (temp * (temp ^ 1)) >> 8.
    temp = (low16 | 2) & 0xFFFF
    return ((temp * (temp ^ 1)) >> 8) & 0xFF


# The key-stream byte depends on the low 16 bits of key2 only: a table lookup per byte.
_STREAM = bytes(_stream_byte(n) for n in range(0x10000))


def encrypt(password: bytes, plain: bytes) -> bytes:
    """``plain`` XORed with the ZipCrypto key stream of ``password`` (APPNOTE section 6.1).

    ``plain`` is one member's 12-byte encryption header followed by its data: the keys
    run on across both."""
    crc, stream = _CRC, _STREAM
    k0, k1, k2 = 0x12345678, 0x23456789, 0x34567890
    for c in password:
        k0 = (k0 >> 8) ^ crc[(k0 ^ c) & 0xFF]
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = (k2 >> 8) ^ crc[(k2 ^ (k1 >> 24)) & 0xFF]
    out = bytearray(len(plain))
    for i, c in enumerate(plain):
        out[i] = c ^ stream[k2 & 0xFFFF]
        # update_keys() with the plain byte, as APPNOTE 6.1 encrypts
        k0 = (k0 >> 8) ^ crc[(k0 ^ c) & 0xFF]
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = (k2 >> 8) ^ crc[(k2 ^ (k1 >> 24)) & 0xFF]
    return bytes(out)


def dos_date_time(when: dt.datetime) -> tuple[int, int]:
    """(date, time) fields in MS-DOS format, clamped to 1980-2107 as the format allows
    (``zipfile`` with ``strict_timestamps=False`` clamps the same way); seconds are even."""
    low, high = dt.datetime(1980, 1, 1), dt.datetime(2107, 12, 31, 23, 59, 58)
    t = min(max(when.replace(tzinfo=None), low), high)
    date = ((t.year - 1980) << 9) | (t.month << 5) | t.day
    time = (t.hour << 11) | (t.minute << 5) | (t.second // 2)
    return date, time


def _pack(data: bytes, level: int) -> tuple[int, bytes]:
    """(method, bytes): deflated when that is smaller, else stored (as Info-ZIP does)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)  # raw deflate, no zlib header
    packed = packer.compress(data) + packer.flush()
    return (_DEFLATED, packed) if len(packed) < len(data) else (_STORED, data)


def write(
    members: Iterable[tuple[str, bytes]],
    *,
    when: dt.datetime,
    password: bytes = PASSWORD,
    random: Callable[[int], bytes] = secrets.token_bytes,
    level: int = 6,
) -> bytes:
    """A zip of ``members`` (name, content), in order, each encrypted with ``password``.

    ``when`` is every member's modification date-time (as given: zip stores local time,
    pass the clock's UTC). ``random(11)`` gives each member's random header bytes; inject
    a deterministic source for reproducible output. ``ValueError`` if a member or the
    archive needs Zip64 (4 GiB), or if ``random`` returns the wrong number of bytes.
    """
    date, time = dos_date_time(when)
    out = bytearray()
    central = bytearray()
    count = 0
    for name, content in members:
        raw = name.encode("utf-8")
        flags = _ENCRYPTED | (0 if raw.isascii() else _UTF8_NAME)
        crc = zlib.crc32(content)
        method, packed = _pack(content, level)
        header = random(_HEADER_RANDOM)
        if len(header) != _HEADER_RANDOM:
            raise ValueError(f"random({_HEADER_RANDOM}) returned {len(header)} bytes")
        body = encrypt(password, header + bytes([crc >> 24]) + packed)
        if max(len(content), len(body), len(out)) > _LIMIT:
            raise ValueError("zip members and archives over 4 GiB (Zip64) are not written")
        fields = (_VERSION, flags, method, time, date, crc, len(body), len(content), len(raw))
        central += _CENTRAL.pack(0x02014B50, _MADE_BY, *fields, 0, 0, 0, 0, _MODE, len(out))
        central += raw
        out += _LOCAL.pack(0x04034B50, *fields, 0) + raw + body
        count += 1
    if count > 0xFFFF or len(out) + len(central) > _LIMIT:
        raise ValueError("zip archives over 65535 members or 4 GiB (Zip64) are not written")
    end = _END.pack(0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)
