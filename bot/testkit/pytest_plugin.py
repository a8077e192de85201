"""pytest fixtures of the test kit (emulator, bot application). Loaded by tests/conftest.py."""

from __future__ import annotations
