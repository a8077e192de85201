"""`/baja` (`/stop`): leave, keeping the history or erasing personal data, or cancel."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chat.menus import clear_chat_menu
from bot.chat.track import track
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, esc, reply, stale_text
from bot.clock import utcnow
from bot.store import officers
from bot.store.events import EventType
from bot.store.officers import Officer

CHOICES = ("keep", "forget", "erase", "cancel")  # forget asks again; erase does it


@requires_officer
async def ask_leave(update: Update, context: ChatContext, officer: Officer) -> None:
    """Ask what leaving should mean, with three buttons."""
    _ = context._
    text = "<b>" + esc(_("Do you want to leave Pregonero?")) + "</b>\n" + esc(
        _("You will stop receiving reminders and answers. You can come back later with a new "
          "invitation link."))
    rows = [
        [button("🚪 " + _("Leave, keep my history"), "leave", "keep")],
        [button("🗑 " + _("Leave and erase my data"), "leave", "forget")],
        [button("↩️ " + _("Cancel, I stay"), "leave", "cancel")],
    ]
    await reply(update, text, keyboard(rows))


@requires_officer
async def confirm_leave(update: Update, context: ChatContext, officer: Officer,
                        choice: str) -> None:
    """Carry out the choice and say what happened."""
    _ = context._
    if choice not in CHOICES:
        await answer(update, stale_text(officer.language))
        return
    await answer(update)
    store, now = context.store, utcnow()
    if choice == "cancel":
        await reply(update, esc(_("Good, you stay. Write your question whenever you need.")),
                    edit=True)
        return
    if choice == "forget":  # erasing cannot be undone: one more tap, with a way back
        text = "<b>" + esc(_("Erase your data for good?")) + "</b>\n" + esc(
            _("Your enrolment, your ratings, your quiz answers and your confirmations will be "
              "deleted. This cannot be undone."))
        rows = [[button("🗑 " + _("Yes, erase my data"), "leave", "erase")],
                [button("↩️ " + _("Cancel, I stay"), "leave", "cancel")]]
        await reply(update, text, keyboard(rows), edit=True)
        return
    if choice == "keep":
        await store.run(officers.leave, officer.id, now=now)
        await track(context, EventType.LEFT)
        text = _("You have left Pregonero. Your history is kept for the campaign's figures. "
                 "To come back, open an invitation link again.")
    else:
        await track(context, EventType.FORGOTTEN)
        await store.run(officers.forget, officer.id)
        text = _("You have left Pregonero and your personal data has been erased. "
                 "Thank you for your service.")
    context.officer = None
    if context.user_data is not None:
        context.user_data.clear()
    await clear_chat_menu(context.bot, officer.id)
    await reply(update, esc(text), edit=True)
