"""SOPs: a one-tap "read and understood", tied to the card's version.

The button carries a tag of the version it was shown for. A tap on a button of an older
version does not count: the officer gets the current version to read and confirm.
"""

from __future__ import annotations

from telegram import Update

from bot.chat.opening import load_card, refresh_card, render_for
from bot.chat.track import track
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, stale_text
from bot.clock import utcnow
from bot.content.cardview import CardContext, version_tag
from bot.store import engagement
from bot.store.events import EventType
from bot.store.officers import Officer


@requires_officer
async def acknowledge(update: Update, context: ChatContext, officer: Officer,
                      card_id: str, tag: str) -> None:
    """Record "read and understood" for the version shown, or show the new version."""
    card = await load_card(update, context, card_id)
    if card is None:
        return
    _ = context._
    if str(card.kind) != "sop":
        await answer(update, stale_text(officer.language))
        return
    if tag != version_tag(card.version, card.id):
        await answer(update, _("This procedure has been updated. Please read the new version."),
                     alert=True)
        if update.effective_chat is not None:
            message = await render_for(context, card, CardContext("none"))
            await context.cards.send(context.bot, update.effective_chat.id, message)
        return
    before = await context.store.run(engagement.latest_ack, officer.id, card.id)
    await context.store.run(engagement.acknowledge, officer.id, card.id, card.version,
                            at=utcnow())
    if before is None or before.version != card.version:
        await track(context, EventType.ACK, card_id=card.id, value=card.version)
    await answer(update, "✓ " + _("Recorded: read and understood. Thank you!"))
    await refresh_card(update, context, card)
