"""An nfstream plugin measuring the CICFlowMeter features nfstream does not have.

Per packet, in Python (so it costs more than nfstream's C metering; bench/detect.py
measures it): transport header lengths, TCP initial windows, forward packets carrying
data, the smallest forward header, and CICFlowMeter's active/idle periods (5 s timeout).
"""

from __future__ import annotations

import statistics
from typing import Any, ClassVar

from nfstream import NFPlugin

from threatmesh.detection.features import EXTRAS

ACTIVITY_TIMEOUT_MS = 5000.0
_US = 1000.0


class CICExtras(NFPlugin):  # type: ignore[misc]
    """Adds ``flow.udps.<slot>`` for each of :data:`NAMES`."""

    NAMES: ClassVar[tuple[str, ...]] = EXTRAS

    @staticmethod
    def slot(name: str) -> str:
        """The udps attribute holding CIC feature ``name``."""
        return "cic_" + "".join(ch if ch.isalnum() else "_" for ch in name.lower())

    def on_init(self, packet: Any, flow: Any) -> None:
        u = flow.udps
        u.cic_fwd_header_length = u.cic_bwd_header_length = 0
        u.cic_init_win_bytes_forward = u.cic_init_win_bytes_backward = -1
        u.cic_act_data_pkt_fwd = 0
        u.cic_min_seg_size_forward = 0
        u.t_last = u.t_active = float(packet.time)
        u.actives, u.idles = [], []
        self.on_update(packet, flow, first=True)

    def on_update(self, packet: Any, flow: Any, first: bool = False) -> None:
        u = flow.udps
        header = int(packet.transport_size) - int(packet.payload_size)
        window = _tcp_window(packet) if int(packet.protocol) == 6 else -1
        if packet.direction == 0:
            u.cic_fwd_header_length += header
            if u.cic_init_win_bytes_forward == -1:
                u.cic_init_win_bytes_forward = window
            u.cic_act_data_pkt_fwd += 1 if packet.payload_size > 0 else 0
            low = u.cic_min_seg_size_forward
            u.cic_min_seg_size_forward = header if first or low == 0 else min(low, header)
        else:
            u.cic_bwd_header_length += header
            if u.cic_init_win_bytes_backward == -1:
                u.cic_init_win_bytes_backward = window
        now = float(packet.time)
        if now - u.t_last > ACTIVITY_TIMEOUT_MS:
            u.actives.append(u.t_last - u.t_active)
            u.idles.append(now - u.t_last)
            u.t_active = now
        u.t_last = now

    def on_expire(self, flow: Any) -> None:
        u = flow.udps
        if u.t_last > u.t_active:
            u.actives.append(u.t_last - u.t_active)
        for kind, values in (("active", u.actives), ("idle", u.idles)):
            us = [v * _US for v in values] or [0.0]
            setattr(u, f"cic_{kind}_mean", statistics.fmean(us))
            setattr(u, f"cic_{kind}_std", statistics.pstdev(us) if len(us) > 1 else 0.0)
            setattr(u, f"cic_{kind}_max", max(us))
            setattr(u, f"cic_{kind}_min", min(us))
        del u.actives, u.idles, u.t_last, u.t_active


def _tcp_window(packet: Any) -> int:
    raw: bytes = packet.ip_packet
    if len(raw) < 20:
        return -1
    ihl = (raw[0] & 0x0F) * 4
    if len(raw) < ihl + 16:
        return -1
    return int.from_bytes(raw[ihl + 14 : ihl + 16], "big")
