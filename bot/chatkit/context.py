"""Typed state for chat handlers: the store and settings hang off the Application, the officer
found by the gate hangs off the update's context. No globals.

Every handler of every chat area receives a `ChatContext`: `context.store`,
`context.settings`, `context.cards`, `context.officer` (set by the gate in handler group -1;
None only for updates the gate let through without an officer), `context.lang` and
`context._` (gettext in the officer's language). A handler that needs the officer says so
with `@requires_officer` and receives it as its third argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.chatkit.cards import CardSender
from bot.config import Settings
from bot.i18n import DEFAULT_LANG, Gettext, gettext_for
from bot.store import Store
from bot.store.officers import Officer

STORE_KEY = "pregonero.store"
SETTINGS_KEY = "pregonero.settings"
CARDS_KEY = "pregonero.cards"


def store_of(application: Application) -> Store:
    return application.bot_data[STORE_KEY]


def settings_of(application: Application) -> Settings:
    return application.bot_data[SETTINGS_KEY]


class ChatContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of every Pregonero handler."""

    def __init__(self, application: Any, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.officer: Officer | None = None
        self.just_joined = False  # the gate enrolled this person with this very update

    @property
    def store(self) -> Store:
        return store_of(self.application)

    @property
    def settings(self) -> Settings:
        return settings_of(self.application)

    @property
    def cards(self) -> CardSender:
        """Sends rendered cards (with the file_id cache)."""
        return self.application.bot_data[CARDS_KEY]

    @property
    def lang(self) -> str:
        return self.officer.language if self.officer is not None else DEFAULT_LANG

    @property
    def _(self) -> Gettext:
        return gettext_for(self.lang)


CONTEXT_TYPES = ContextTypes(context=ChatContext)


P = ParamSpec("P")


def requires_officer(
    handler: Callable[Concatenate[Update, ChatContext, Officer, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, ChatContext, P], Coroutine[Any, Any, None]]:
    """For a handler that needs the officer: it gets `(update, context, officer, *args)`.
    An update without an officer (only what the gate lets through: /start with a code) gets
    no answer, but a tapped button's progress bar is stopped."""

    @functools.wraps(handler)
    async def with_officer(update: Update, context: ChatContext, /, *args: P.args,
                           **kwargs: P.kwargs) -> None:
        officer = context.officer
        if officer is None:
            if update.callback_query is not None:
                await update.callback_query.answer()
            return
        await handler(update, context, officer, *args, **kwargs)

    return with_officer
