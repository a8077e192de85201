"""Store functions for cards (see docs/architecture.md)."""

from __future__ import annotations

MIGRATIONS: list = []
