"""pcap files: checking them before metering, and carving one flow's packets out.

The check walks only the 16-byte record headers (seeking over packet data), so a
multi-gigabyte capture is validated without being read into memory.
"""

from __future__ import annotations

import io
import socket
import struct
from collections.abc import Sequence
from pathlib import Path

from threatmesh.detection.alerts import ScoredFlow
from threatmesh.detection.features import FeatureError

_CLASSIC = {
    b"\xd4\xc3\xb2\xa1": "<",
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",
    b"\xa1\xb2\x3c\x4d": ">",
}
_PCAPNG = b"\x0a\x0d\x0d\x0a"
# Larger than any link's frames; a record claiming more means the file is corrupt.
_MAX_RECORD = 262_144


class CaptureError(FeatureError):
    """A capture that is not a pcap, or is corrupt or truncated (names file and offset)."""

    name = "Invalid capture"


def check_pcap(path: Path) -> int:
    """Raise :class:`CaptureError` unless ``path`` is a whole pcap; return its packet count.

    pcapng files are accepted as they are (their blocks are checked by the reader).
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(24)
        if header[:4] == _PCAPNG:
            return -1
        if len(header) < 24:
            raise CaptureError(f"{path}: truncated pcap header ({len(header)} of 24 bytes)")
        order = _CLASSIC.get(header[:4])
        if order is None:
            raise CaptureError(f"{path}: not a pcap file (magic {header[:4].hex()})")
        count, offset = 0, 24
        while offset < size:
            record = fh.read(16)
            if len(record) < 16:
                raise CaptureError(f"{path}: truncated record header at byte {offset}")
            incl = struct.unpack(order + "I", record[8:12])[0]
            if incl > _MAX_RECORD:
                raise CaptureError(f"{path}: corrupt record at byte {offset} ({incl} bytes)")
            if offset + 16 + incl > size:
                raise CaptureError(f"{path}: truncated packet at byte {offset}")
            fh.seek(incl, io.SEEK_CUR)
            offset += 16 + incl
            count += 1
    return count


def _flow_tuple(flow: ScoredFlow) -> tuple[object, ...]:
    """Direction-free 5-tuple of a flow."""
    a, b = (flow.src, flow.sport), (flow.dst, flow.dport)
    return (flow.proto, *min(a, b), *max(a, b))


def _five_tuple(ip: object) -> tuple[object, ...] | None:
    import dpkt

    if not isinstance(ip, dpkt.ip.IP):
        return None
    l4 = ip.data
    sport = getattr(l4, "sport", 0)
    dport = getattr(l4, "dport", 0)
    a = (socket.inet_ntoa(ip.src), sport)
    b = (socket.inet_ntoa(ip.dst), dport)
    return (ip.p, *min(a, b), *max(a, b))


def carve(
    path: Path, groups: Sequence[Sequence[ScoredFlow]], *, max_packets: int = 200
) -> list[bytes]:
    """One pcap (bytes) per group of flows holding their packets, in one pass over ``path``.

    At most ``max_packets`` per group, so an attachment stays small even for a flood.
    """
    import dpkt

    wanted: dict[tuple[object, ...], list[tuple[int, ScoredFlow]]] = {}
    for g, flows in enumerate(groups):
        for key in flows:
            wanted.setdefault(_flow_tuple(key), []).append((g, key))
    buffers = [io.BytesIO() for _ in groups]
    with path.open("rb") as fh:
        reader = dpkt.pcap.Reader(fh)
        writers = [dpkt.pcap.Writer(b, linktype=reader.datalink()) for b in buffers]
        counts = [0] * len(groups)
        for ts, frame in reader:
            five = _five_tuple(_ip_of(frame, reader.datalink()))
            for g, f in wanted.get(five, []) if five else []:
                if f.first - 0.002 <= ts <= f.last + 0.002 and counts[g] < max_packets:
                    writers[g].writepkt(frame, ts=ts)
                    counts[g] += 1
                    break
    return [b.getvalue() for b in buffers]


def _ip_of(frame: bytes, linktype: int) -> object:
    import dpkt

    try:
        if linktype == dpkt.pcap.DLT_EN10MB:
            return dpkt.ethernet.Ethernet(frame).data
        if linktype == dpkt.pcap.DLT_LINUX_SLL:
            return dpkt.sll.SLL(frame).data
        return dpkt.ip.IP(frame)
    except (dpkt.UnpackError, IndexError):
        return None


def time_slice(src: Path, dst: Path, *, start: float, seconds: float) -> int:
    """Copy the packets of ``src`` in [start, start + seconds) to ``dst``; return the count."""
    import dpkt

    count = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        reader = dpkt.pcap.Reader(fin)
        writer = dpkt.pcap.Writer(fout, linktype=reader.datalink())
        for ts, frame in reader:
            if start <= ts < start + seconds:
                writer.writepkt(frame, ts=ts)
                count += 1
    return count
