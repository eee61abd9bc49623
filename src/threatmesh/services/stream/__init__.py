"""The live stream: notifications written with each change, the relay to the bus, SSE."""
