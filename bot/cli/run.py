"""`pregonero run`: the bot, the delivery scheduler and the admin web app in one process."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.cli.common import settings


@click.command("run")
@click.option("--webhook-url", default=None, metavar="URL",
              help="Receive updates by webhook at this public https URL (served by the web "
                   "app on PREGONERO_WEB) instead of long polling.")
@click.option("--init", is_flag=True,
              help="Create the database (PREGONERO_DB) when it is missing or empty; without "
                   "it, run refuses to start on a missing or empty database.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details (never message texts).")
def run(webhook_url: str | None, init: bool, verbose: bool) -> None:
    """Run the bot against Telegram (needs PREGONERO_BOT_TOKEN); stops on Ctrl-C or SIGTERM."""
    from bot.runtime import serve, webhook_path

    s = settings()
    s.require_token()
    if webhook_url:
        webhook_path(webhook_url)  # validate before anything starts
    configure_logging(verbose)
    asyncio.run(serve(s, webhook_url=webhook_url, init=init))


def configure_logging(verbose: bool) -> None:
    """Log to stderr; `--verbose` adds Pregonero's own debug lines, never message texts.

    python-telegram-bot logs whole updates and request parameters (message texts next to
    user ids) at DEBUG, and httpx logs request URLs, which contain the bot token: both stay
    at INFO/WARNING whatever the flag says.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


COMMANDS = [run]
