"""`/temas` (`/topics`): topics as buttons, a topic's cards as buttons."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.callbacks import HALF_FIT, LABEL_FIT, Button, actions_in, button, keyboard
from bot.chatkit.context import ChatContext
from bot.chatkit.ui import answer, esc, reply, short_label, stale_text
from bot.content.contacts import visible_topic
from bot.i18n import gettext_for
from bot.store import cards

KIND_ICONS = {"sop": "📋", "practice": "💡", "quiz": "❓", "contact": "📞"}


def topic_rows(topics: Sequence[cards.Topic]) -> list[list[Button]]:
    """Topic buttons, two per row when both labels fit half a phone's width, else one. Pure."""
    rows: list[list[Button]] = []
    for t in topics:
        count = f" ({t.count})"
        label = short_label(t.title, LABEL_FIT - len(count)) + count
        pair = rows and len(rows[-1]) == 1 and len(rows[-1][0][0]) <= HALF_FIT
        if pair and len(label) <= HALF_FIT:
            rows[-1].append(button(label, "topic", t.slug))
        else:
            rows.append([button(label, "topic", t.slug)])
    return rows


def topic_view(name: str, items: Sequence[cards.Card], lang: str) -> tuple[str, list]:
    """One topic: its name and a button per card, SOPs first. Pure."""
    _ = gettext_for(lang)
    text = f"<b>📚 {esc(name)}</b>\n" + esc(_("Choose a guide:"))
    rows = [[button(short_label(f"{KIND_ICONS.get(str(c.kind), '•')} {c.title}"), "open", c.id)]
            for c in items]
    rows.append([button("◀ " + _("All topics"), "topics")])
    return text, rows


async def show_topics(update: Update, context: ChatContext) -> None:
    """The list of topics (command, or button: then in place of the tapped list)."""
    await answer(update)
    _ = context._
    region = context.officer.region if context.officer is not None else None
    topics = [t for t in await context.store.run(cards.list_topics, context.lang)
              if visible_topic(t.slug, region)]
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
    """Edit in place when the tap came from a list (not from a card or the welcome, with its
    example questions, which stay)."""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    markup = getattr(query.message, "reply_markup", None)
    actions = {a for a, _args in actions_in(markup)}
    return bool(actions & {"open", "topic"}) and not actions & {"fb", "quiz", "ack", "help"}
