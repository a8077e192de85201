"""Opening a card from a list, and showing a card again after the officer acted on it."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.callbacks import actions_in
from bot.chat.searching import last_results
from bot.chat.track import track
from bot.chatkit.context import ChatContext
from bot.chatkit.ui import NO_PREVIEW, answer
from bot.content.cardview import CardContext, CardMessage, render_card
from bot.store import cards, engagement
from bot.store.cards import Card
from bot.store.events import EventType


async def render_for(context: ChatContext, card: Card, where: CardContext) -> CardMessage:
    """The card as this officer sees it now (their feedback, answer, acknowledgement)."""
    officer = context.officer
    assert officer is not None
    state = await context.store.run(engagement.card_state, officer.id, card.id)
    return render_card(card, officer.language, officer_state=state, context=where,
                       timezone=officer.timezone)


async def load_card(update: Update, context: ChatContext, card_id: str) -> Card | None:
    """The card in the officer's language, or None after a polite answer to the tap."""
    card = await context.store.run(cards.get_card, card_id, context.lang)
    if card is None:
        _ = context._
        await answer(update, _("This guide is no longer available."))
    return card


async def open_card(update: Update, context: ChatContext, card_id: str) -> None:
    """An "open" button: send the card as a new message and log that it was opened."""
    card = await load_card(update, context, card_id)
    if card is None or update.effective_chat is None:
        return
    await answer(update)
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query and query.message else None
    actions = {a for a, _args in actions_in(markup)}
    if "topics" in actions:
        where = CardContext("topic")
    elif last_results(context) is not None and "open" in actions:
        where = CardContext("results")
    else:
        where = CardContext("none")
    message = await render_for(context, card, where)
    await track(context, EventType.CARD_OPENED, card_id=card.id)
    await context.cards.send(context.bot, update.effective_chat.id, message)


async def refresh_card(update: Update, context: ChatContext, card: Card) -> None:
    """Show the tapped card with the officer's new state (quiz answered, SOP confirmed).

    Edits the tapped message when the new text fits it; otherwise updates its buttons and sends
    the new status as its own message.
    """
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    tapped = query.message
    new = await render_for(context, card, CardContext.from_keyboard(tapped.reply_markup))
    try:
        if tapped.text is not None and new.followup_html is None:
            await query.edit_message_text(new.text_html, parse_mode=ParseMode.HTML,
                                          reply_markup=new.keyboard,
                                          link_preview_options=NO_PREVIEW)
            return
        await query.edit_message_reply_markup(new.keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return  # the officer sees this state already
    if new.status_html and update.effective_chat is not None:
        await update.effective_chat.send_message(new.status_html, parse_mode=ParseMode.HTML,
                                                 link_preview_options=NO_PREVIEW)
