"""Test support that production never imports: the in-memory state store (:mod:`kroless_cli.testing.memory`)."""

from kroless_cli.testing.memory import MemoryStore, MemoryTable

__all__ = ["MemoryStore", "MemoryTable"]
