"""The ``threatmesh`` command: thin over ``services``; reads settings and wires things."""
