"""Store functions for engagement (see docs/architecture.md)."""

from __future__ import annotations

MIGRATIONS: list = []
