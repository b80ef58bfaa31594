"""Passkeys: add, list and remove them, and sign in with one (no password)."""
