"""Knowledge checks: a tap on an option gets right/wrong and the explanation at once.

Only the first answer counts (one per officer and quiz); a later tap shows the same result.
"""

from __future__ import annotations

from telegram import Update

from bot.chat.opening import load_card, refresh_card
from bot.chat.track import track
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, stale_text
from bot.clock import utcnow
from bot.store import engagement
from bot.store.events import EventType
from bot.store.officers import Officer


def is_correct(answer_index: int, choice: int) -> bool:
    """Options and answers are numbered from 1. Pure."""
    return answer_index == choice


@requires_officer
async def answer_quiz(update: Update, context: ChatContext, officer: Officer,
                      card_id: str, option: str) -> None:
    """Record the officer's answer (the first counts) and show the result."""
    card = await load_card(update, context, card_id)
    if card is None:
        return
    choice = int(option)
    if card.quiz is None or not 1 <= choice <= len(card.quiz.options):
        await answer(update, stale_text(officer.language))
        return
    _ = context._
    counted, new = await context.store.run(
        engagement.answer_quiz, officer.id, card.id, choice,
        is_correct(card.quiz.answer, choice), at=utcnow(),
    )
    if new:
        await track(context, EventType.QUIZ_ANSWER, card_id=card.id,
                    value="correct" if counted.correct else "wrong")
        await answer(update, "✅ " + _("Correct!") if counted.correct
                     else "❌ " + _("Not quite. See the explanation."))
    else:
        await answer(update, _("You already answered this one: your first answer counts."))
    await refresh_card(update, context, card)
