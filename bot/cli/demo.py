"""`pregonero demo`: the bot, the web app and a sandbox against a local emulator, no token."""

from __future__ import annotations

import asyncio

import click

from bot.cli.common import settings


@click.command("demo")
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True,
              help="Port of the emulator and the sandbox page (0: any free port).")
@click.option("--terminal/--no-terminal", default=None,
              help="Chat in this terminal (default: when stdin is a terminal).")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
              help="Language of the demo officer.")
@click.option("--role", type=click.Choice(["officer", "comms", "admin"]), default="officer",
              show_default=True, help="Role of the demo user (admin can use /panel).")
def demo(port: int, terminal: bool | None, lang: str, role: str) -> None:
    """Run Pregonero locally without Telegram: emulator, bot, web app, sandbox, terminal chat."""
    from bot.testkit.demo import run_demo

    asyncio.run(run_demo(settings(), port=port, terminal=terminal, lang=lang, role=role))


COMMANDS: list[click.Command] = [demo]
