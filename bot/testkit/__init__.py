"""Pregonero's test kit: a local Telegram Bot API emulator and the pytest fixtures around it."""

