"""Store functions for web (see docs/architecture.md)."""

from __future__ import annotations

MIGRATIONS: list = []
