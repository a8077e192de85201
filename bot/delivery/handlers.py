"""Chat handlers of this area (see docs/architecture.md)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers to the application."""
