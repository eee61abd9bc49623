"""Sensors: reading captures (pcap -> flows, packet carving) and the traffic lab.

An I/O layer beside ``storage`` and ``client``: may import ``model`` and ``detection``.
It runs processes (tcpdump, ``ip netns``) and reads files; it never talks to the platform.
"""
