"""Enrollment helpers shared by the CLI, the bot and the web app."""

from __future__ import annotations

from sqlite_utils import Database

from bot.store import kv

FALLBACK_BOT_USERNAME = "PregoneroBot"


def deep_link(db: Database, code: str) -> str:
    """The t.me link that opens the bot with `/start <code>`.

    The bot's username is learned from Telegram (getMe) when `pregonero run` starts and kept
    in the store; before the first start a placeholder name is used.
    """
    username = kv.get(db, "bot_username") or FALLBACK_BOT_USERNAME
    return f"https://t.me/{username}?start={code}"
