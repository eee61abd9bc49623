"""EBIDS detection: flow features, the deep ensemble, combiners, evaluation, lab schedules.

Pure: may import ``model`` only; no sockets, files, database or wall clock. Captures are
read and models written by ``sensors`` and ``services``; here they arrive as rows, arrays
and bytes.
"""
