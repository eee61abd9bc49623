"""Organisations, roles, users, API keys and sharing groups."""
