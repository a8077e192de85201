"""Store functions for delivery (see docs/architecture.md)."""

from __future__ import annotations

MIGRATIONS: list = []
