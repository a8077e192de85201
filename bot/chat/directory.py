"""`/directorio` (`/directory`): whom to call, national entries and the officer's region's."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chatkit.context import ChatContext
from bot.chatkit.ui import answer, esc, reply, short_label
from bot.content.contacts import directory_topics, select
from bot.store import cards


async def show_directory(update: Update, context: ChatContext) -> None:
    """The contact cards for this officer: national, then their region's, as buttons."""
    await answer(update)
    _ = context._
    lang = context.lang
    region = context.officer.region if context.officer is not None else None
    found: list[cards.Card] = []
    for slug in directory_topics(region):
        found.extend(await context.store.run(cards.cards_in_topic, slug, lang))
    entries = select(found, region)
    if not entries:
        await reply(update, esc(_("The directory is empty for now. Ask your supervisor whom "
                                  "to call.")))
        return
    text = "<b>📞 " + esc(_("Whom to call")) + "</b>\n" + esc(
        _("National lines and institutions, then those of your region:") if region else
        _("National lines and institutions:"))
    rows = [[button(short_label(f"📞 {c.title}"), "open", c.id)] for c in entries]
    await reply(update, text, keyboard(rows))
