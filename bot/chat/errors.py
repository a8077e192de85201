"""The bot's one error handler: log with the traceback (never message texts), apologise.
A person who blocked the bot while their update was handled is marked blocked instead."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.chat.gate import update_kind
from bot.chatkit.context import ChatContext
from bot.i18n import gettext_for, normalize_lang
from bot.store import officers

log = logging.getLogger(__name__)


async def on_error(update: object | None, context: ChatContext) -> None:
    """Log the error with its traceback; tell the officer something went wrong."""
    if not isinstance(update, Update):
        log.error("error outside an update: %s", type(context.error).__name__,
                  exc_info=context.error)
        return
    chat, user = update.effective_chat, update.effective_user
    if isinstance(context.error, Forbidden):  # blocked the bot (or deleted the account) since
        log.info("the person behind update %s can no longer be written to (%s)",
                 update.update_id, context.error.message)
        if user is not None and (chat is None or chat.type == "private"):
            await context.store.run(officers.mark_blocked, user.id)
        return  # not an error of ours, and an apology could not be delivered either
    log.error("error while handling a %s update (id %s)", update_kind(update),
              update.update_id, exc_info=context.error)
    if chat is None or user is None or chat.type != "private":
        return
    try:
        officer = await context.store.run(officers.get_officer, user.id)
    except Exception:  # the store itself may be what failed
        officer = None
    lang = officer.language if officer else normalize_lang(user.language_code)
    _ = gettext_for(lang)
    if update.callback_query is not None:
        try:  # most handlers answer the tap before the work that failed: that is fine
            await update.callback_query.answer()
        except TelegramError:
            pass
    try:
        await chat.send_message(_("Sorry, something went wrong on my side. Please try again in "
                                  "a moment."))  # plain text: no parse mode, nothing to escape
    except TelegramError:
        log.warning("could not send the apology", exc_info=True)
