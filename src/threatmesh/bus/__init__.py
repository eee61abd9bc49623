"""The event bus: where notifications of changes are published for other processes.

An I/O layer (beside ``storage``): may import ``model`` and ``formats`` only. Backends
implement :class:`threatmesh.bus.base.Bus` and register by name in
:data:`threatmesh.bus.registry.BACKENDS`; nothing is connected at import time.
"""
