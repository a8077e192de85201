"""`/idioma` (`/language`): the officer chooses Spanish or English; menus follow."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chat.menus import set_chat_menu
from bot.chat.track import track
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, bilingual, esc, reply
from bot.i18n import N_, gettext_for
from bot.store import officers
from bot.store.events import EventType
from bot.store.officers import Officer

CHOOSE = N_("Choose your language:")
NAMES = {"es": "🇲🇽 Español", "en": "🇬🇧 English"}


@requires_officer
async def choose_language(update: Update, context: ChatContext, officer: Officer) -> None:
    """Offer both languages as buttons (the question in both languages)."""
    rows = [[button(NAMES["es"], "lang", "es"), button(NAMES["en"], "lang", "en")]]
    await reply(update, esc(bilingual(CHOOSE, sep="\n")), keyboard(rows))


@requires_officer
async def set_language(update: Update, context: ChatContext, officer: Officer, lang: str) -> None:
    """Switch the officer's language, their command menu, and confirm in the new language."""
    store = context.store
    await store.run(officers.set_language, officer.id, lang)
    updated = await store.run(officers.get_officer, officer.id)
    if updated is None:
        return
    context.officer = updated
    await track(context, EventType.LANGUAGE, value=lang)
    _ = gettext_for(lang)
    await answer(update, "✓ " + NAMES[lang])
    await set_chat_menu(context.bot, updated)
    await reply(update, esc(_("Done: I will write to you in English.")), edit=True)
