"""The live stream: notifications written with each change, the relay to the bus, SSE,
and following the stream as a client (follow.py)."""
