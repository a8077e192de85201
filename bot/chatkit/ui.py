"""Small presentation helpers shared by the chat handlers: replies, bilingual text, button
labels, an area's button router (buttons and keyboards themselves: `bot.callbacks`)."""

from __future__ import annotations

import html
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackContext, CallbackQueryHandler

from bot.callbacks import LABEL_FIT, decode
from bot.chatkit.commands import command
from bot.i18n import LANGS, gettext_for

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def bilingual(msgid: str, *, sep: str = "\n\n", **values: object) -> str:
    """The message in Spanish first, then English (for people whose language we do not know)."""
    parts = []
    for lang in LANGS:
        text = gettext_for(lang)(msgid)
        parts.append(text % values if values else text)
    return sep.join(dict.fromkeys(parts))


def esc(value: object) -> str:
    """Escape anything interpolated into Telegram HTML."""
    return html.escape(str(value), quote=False)




def short_label(text: str, limit: int = LABEL_FIT) -> str:
    """A button label that fits a phone: whole words, `…` when cut; a trailing parenthesis
    goes first ("Tijuana (horario de verano de EE. UU.)" -> "Tijuana"). Pure."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head, paren, _rest = text.rpartition(" (")
    if paren and text.endswith(")") and len(head) <= limit:
        return head
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:·-(") + "…"


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *,
                edit: bool = False) -> Message | None:
    """Answer in the update's chat: edit the tapped message when `edit`, else send a new one."""
    query = update.callback_query
    if edit and query is not None and query.message is not None and _has_text(query):
        try:
            result = await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
            return None
        return result if isinstance(result, Message) else None
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                   link_preview_options=NO_PREVIEW)


def _has_text(query: CallbackQuery) -> bool:
    message = query.message
    return isinstance(message, Message) and message.text is not None


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button tap (Telegram shows a progress bar until this is called)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200] if text else None, show_alert=alert)


def stale_text(lang: str) -> str:
    """The answer to a forged, outdated or expired button."""
    _ = gettext_for(lang)
    return _("This button is no longer valid. Type your question or use /%(help)s.") % {
        "help": command("help").name(lang)}


Route = Callable[..., Coroutine[Any, Any, None]]  # async def handler(update, context, *args)


def button_handler(routes: Mapping[str, Route]) -> CallbackQueryHandler:
    """One handler for an area's inline buttons: `routes` maps a `bot.callbacks` action to
    `async def handler(update, context, *args)`. Taps on other actions pass on to the next
    handler (and, when nobody owns them, to the forged-button fallback)."""

    def ours(data: object) -> bool:
        cb = decode(data if isinstance(data, str) else None)
        return cb is not None and cb.action in routes

    async def route(update: Update, context: CallbackContext) -> None:
        query = update.callback_query
        cb = decode(query.data if query else None)
        if cb is not None and cb.action in routes:
            await routes[cb.action](update, context, *cb.args)

    return CallbackQueryHandler(route, pattern=ours)

