"""`/temas` (`/topics`): topics as buttons, a topic's cards as buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.chat.context import ChatContext
from bot.chat.ui import Button, actions_in, answer, button, esc, keyboard, reply, stale_text
from bot.i18n import gettext_for
from bot.store import cards

KIND_ICONS = {"sop": "📋", "practice": "💡", "quiz": "❓"}


def topic_rows(topics: Sequence[cards.Topic]) -> list[list[Button]]:
    """Two topic buttons per row. Pure."""
    buttons = [button(f"{t.title} ({t.count})"[:60], "topic", t.slug) for t in topics]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def topic_view(name: str, items: Sequence[cards.Card], lang: str) -> tuple[str, list]:
    """One topic: its name and a button per card, SOPs first. Pure."""
    _ = gettext_for(lang)
    text = f"<b>📚 {esc(name)}</b>\n" + esc(_("Choose a guide:"))
    rows = [[button(f"{KIND_ICONS.get(str(c.kind), '•')} {c.title}"[:60], "open", c.id)]
            for c in items]
    rows.append([button("◀ " + _("All topics"), "topics")])
    return text, rows


async def show_topics(update: Update, context: ChatContext) -> None:
    """The list of topics (command, or button: then in place of the tapped list)."""
    await answer(update)
    _ = context._
    topics = await context.store.run(cards.list_topics, context.lang)
    if not topics:
        await reply(update, esc(_("There are no guides yet. Please come back later.")))
        return
    text = "<b>📚 " + esc(_("Topics")) + "</b>\n" + esc(_("Choose a topic:"))
    await reply(update, text, keyboard(topic_rows(topics)), edit=_from_list(update))


async def show_topic(update: Update, context: ChatContext, slug: str) -> None:
    """A topic's cards."""
    lang = context.lang
    items = await context.store.run(cards.cards_in_topic, slug, lang)
    if not items:
        await answer(update, stale_text(lang))
        return
    await answer(update)
    name = await context.store.run(cards.topic_name, slug, lang)
    text, rows = topic_view(name, items, lang)
    await reply(update, text, keyboard(rows), edit=_from_list(update))


def _from_list(update: Update) -> bool:
    """Edit in place when the tap came from a list (not from a card, which stays)."""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    markup = getattr(query.message, "reply_markup", None)
    actions = {a for a, _args in actions_in(markup)}
    return bool(actions & {"open", "topic"}) and not actions & {"fb", "quiz", "ack"}
