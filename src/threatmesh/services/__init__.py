"""Use cases (add an event, search, publish...): the only layer that combines storage
with the pure rules. Never reads settings; ``api`` and ``cli`` pass a ``Platform`` in."""
