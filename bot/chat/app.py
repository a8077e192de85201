"""The Telegram side of Pregonero: `build_application()` makes the Application and wires the
chat areas it is given, `on_start()` prepares Telegram (command menus, the bot's username,
configured admins).

Handler groups: -1 the enrollment gate (sees every update first, stops the rest for people
who are not enrolled); 0 the commands and buttons of every area, in the order the runtime
gives them (`register` below for this package's own, then delivery's and the panel's), then the
fallbacks (plain text is a question, and so is an edited one; unknown commands, non-text
messages and unknown buttons get a short answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.chat import (
    ack,
    directory,
    fallbacks,
    feedback,
    gate,
    help,
    language,
    leave,
    opening,
    quiz,
    searching,
    start,
    topics,
)
from bot.chat.errors import on_error
from bot.chat.inbox import InboxProcessor
from bot.chat.menus import set_chat_menu, set_default_menus
from bot.chatkit.cards import CardSender
from bot.chatkit.commands import command_handlers
from bot.chatkit.context import (
    CARDS_KEY,
    CONTEXT_TYPES,
    SETTINGS_KEY,
    STORE_KEY,
    ChatContext,
    store_of,
)
from bot.chatkit.ui import Route, button_handler
from bot.clock import utcnow
from bot.config import Settings
from bot.store import Store, kv, officers
from bot.telegram_limiter import FloodLimiter

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 64  # replies never wait behind another officer's update

async def _page(update: Update, context: ChatContext, page: str) -> None:
    await searching.show_page(update, context, int(page))


# Button action -> handler(update, context, *args). Actions are declared in bot.callbacks.
ROUTES: dict[str, Route] = {
    "open": opening.open_card,
    "fb": feedback.give_feedback,
    "res": searching.back_to_results,
    "page": _page,
    "topics": topics.show_topics,
    "topic": topics.show_topic,
    "quiz": quiz.answer_quiz,
    "ack": ack.acknowledge,
    "lang": language.set_language,
    "leave": leave.confirm_leave,
    "help": help.show_help,
    "cmds": help.show_commands,
}

# Command key (bot.chatkit.commands) -> handler, for the commands this area answers.
COMMAND_HANDLERS: dict[str, Route] = {
    "start": start.start,
    "help": help.show_help,
    "search": searching.search_command,
    "topics": topics.show_topics,
    "directory": directory.show_directory,
    "language": language.choose_language,
    "stop": leave.ask_leave,
}


def file_base_url(api_url: str) -> str:
    """The file download URL beside a Bot API URL: `…/bot` -> `…/file/bot`. Pure."""
    head, sep, tail = api_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else f"{api_url}/file"


Area = Callable[[Application], None]


def register(application: Application) -> None:
    """Add this package's commands and buttons (handler group 0)."""
    application.add_handlers(command_handlers(COMMAND_HANDLERS))
    application.add_handler(button_handler(ROUTES))


def build_application(
    settings: Settings, store: Store, *, areas: Sequence[Area] = (register,),
    request: BaseRequest | None = None,
) -> Application:
    """The python-telegram-bot Application: the gate, each area's handlers (`areas`, each
    `register(application)`), then the fallbacks."""
    builder = (
        Application.builder()
        .token(settings.bot_token)
        .base_url(settings.api_url)
        .base_file_url(file_base_url(settings.api_url))
        .context_types(CONTEXT_TYPES)
        # each update is marked done in the inbox when handled; polling is bot.chat.inbox's
        .concurrent_updates(InboxProcessor(store, CONCURRENT_UPDATES))
        .updater(None)
        .rate_limiter(FloodLimiter())  # every call to Telegram, engine's included
    )
    if request is not None:
        builder = builder.request(request)
    application = builder.build()
    application.bot_data[STORE_KEY] = store
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[CARDS_KEY] = CardSender(store)

    application.add_handler(gate.handler(), group=gate.GROUP)
    for add_area in areas:
        add_area(application)

    only_messages = filters.UpdateType.MESSAGE
    application.add_handler(
        MessageHandler(only_messages & filters.TEXT & ~filters.COMMAND, searching.search_text))
    # an officer who corrects their question by editing it gets the new answer
    application.add_handler(MessageHandler(
        filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND,
        searching.search_text))
    application.add_handler(
        MessageHandler(only_messages & filters.COMMAND, fallbacks.unknown_command))
    application.add_handler(
        MessageHandler(only_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       fallbacks.not_text))
    application.add_handler(CallbackQueryHandler(fallbacks.bad_button))
    application.add_error_handler(on_error)
    return application


async def on_start(application: Application) -> None:
    """After `initialize()`: remember the bot's username, make the configured admins who are
    known admins, set the command menus. Telegram errors here are logged, never fatal."""
    store = store_of(application)
    settings = application.bot_data[SETTINGS_KEY]
    bot = application.bot
    if bot.username:
        await store.run(kv.put, "bot_username", bot.username)
    now = utcnow()
    for admin_id in settings.admins:
        # Someone who never wrote to the bot cannot be messaged by it: they become an admin on
        # their first update (the gate), in their app's language. Known ones are made admins.
        if await store.run(officers.get_officer, admin_id) is not None:
            await store.run(officers.ensure_admin, admin_id, language="es",
                            timezone=settings.timezone, now=now)
    try:
        await set_default_menus(bot)
        for person in await store.run(officers.active_staff):
            await set_chat_menu(bot, person)
    except TelegramError:
        log.warning("could not set the command menus", exc_info=True)
