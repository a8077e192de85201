"""`pregonero content` (see docs/architecture.md for who builds it)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
