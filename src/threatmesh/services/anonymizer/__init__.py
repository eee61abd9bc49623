"""Anonymizer use cases: stored policies, bindings, budgets, and the outbound hook."""
