"""Search use cases: MISP restSearch and index parameters (``params``), the streamed
``attributes/restSearch`` (``attributes``), ``events/index`` and the events of an
``events/restSearch`` (``events``)."""
