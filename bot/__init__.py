"""Pregonero: the Telegram bot of a border-management internal communication campaign."""

__version__ = "0.1.0"
