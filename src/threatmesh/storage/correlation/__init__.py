"""Correlation computed on read from the value index (no table of pairs):
``RelatedEvent`` of an event, ``RelatedAttribute`` of a page of attributes."""
