"""Telegram's command menus (setMyCommands), fed by the table in `bot.chatkit.commands`.

Default and `es` lists: Spanish names; `en` list: English names (Telegram picks by the app's
language). An officer who chooses a language in the bot, and every comms or admin person (who
see extra commands), get their own list for their chat (BotCommandScopeChat), which Telegram
shows before the language lists.
"""

from __future__ import annotations

from telegram import Bot, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.chatkit.commands import bot_commands
from bot.store.officers import Officer, Role


async def set_default_menus(bot: Bot) -> None:
    """The officers' menus: Spanish by default and for `es`, English for `en`."""
    await bot.set_my_commands(bot_commands("es", Role.OFFICER), scope=BotCommandScopeDefault())
    await bot.set_my_commands(bot_commands("es", Role.OFFICER), scope=BotCommandScopeDefault(),
                              language_code="es")
    await bot.set_my_commands(bot_commands("en", Role.OFFICER), scope=BotCommandScopeDefault(),
                              language_code="en")


async def set_chat_menu(bot: Bot, officer: Officer) -> None:
    """This person's menu: their language and their role's commands."""
    await bot.set_my_commands(bot_commands(officer.language, officer.role),
                              scope=BotCommandScopeChat(officer.id))


async def clear_chat_menu(bot: Bot, chat_id: int) -> None:
    """Back to the default menus (after leaving). Best effort."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        pass
