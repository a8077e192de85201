"""Store functions for search (see docs/architecture.md)."""

from __future__ import annotations

MIGRATIONS: list = []
