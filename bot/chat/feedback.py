"""👍 useful / 👎 not useful on a card: stored (latest opinion) and logged (every tap)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import BadRequest

from bot.chat.track import track
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer
from bot.clock import utcnow
from bot.content.cardview import feedback_marked
from bot.store import cards, engagement
from bot.store.events import EventType
from bot.store.officers import Officer

VALUES = {"y": "useful", "n": "not_useful"}


@requires_officer
async def give_feedback(update: Update, context: ChatContext, officer: Officer,
                        card_id: str, flag: str) -> None:
    """Record the tap, thank the officer, tick their choice on the card's buttons."""
    _ = context._
    exists = await context.store.run(cards.get_card, card_id, officer.language)
    if exists is None:
        await answer(update, _("This guide is no longer available."))
        return
    value = VALUES[flag]
    await context.store.run(engagement.set_feedback, officer.id, card_id, value,
                            at=utcnow())
    await track(context, EventType.FEEDBACK, card_id=card_id, value=value)
    await answer(update, _("Thank you! Your opinion helps improve the guides.") if flag == "y"
                 else _("Thank you! We will use your opinion to improve this guide."))
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        marked = feedback_marked(query.message.reply_markup, value, officer.language)
        try:
            await query.edit_message_reply_markup(marked)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
