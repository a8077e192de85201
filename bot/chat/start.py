"""`/start`: enrollment with an invite code, and the welcome menu.

`/start <code>` from someone not enrolled enrolls them in that one message, in the language of
their Telegram app (`en…` English, anything else Spanish). Unknown, expired, used-up and
revoked codes get a clear bilingual answer. `/start` from an officer shows the welcome again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chat.gate import REFUSAL, start_code
from bot.chat.menus import set_chat_menu
from bot.chat.track import track
from bot.chatkit.commands import command
from bot.chatkit.context import ChatContext
from bot.chatkit.ui import bilingual, esc, reply, short_label
from bot.clock import utcnow
from bot.i18n import LANGS, N_, format_wait, gettext_for, normalize_lang
from bot.store import cards, officers
from bot.store.cards import CardTitle
from bot.store.events import EventType
from bot.store.officers import EnrollResult, Officer, Role

REFUSED = {
    EnrollResult.UNKNOWN: N_("This invitation code is not valid. Check the link, or ask your "
                             "coordinator for a new one."),
    EnrollResult.EXPIRED: N_("This invitation has expired. Ask your coordinator for a new one."),
    EnrollResult.USED_UP: N_("This invitation has been used as many times as allowed. Ask your "
                             "coordinator for a new one."),
    EnrollResult.REVOKED: N_("This invitation was cancelled. Ask your coordinator for a new one."),
}


SLOWED = N_("Too many wrong invitation codes. Wait %(wait)s, then open the "
            "invitation link your coordinator sent you.")


def welcome(lang: str, *, first_time: bool,
            examples: Sequence[CardTitle] = ()) -> tuple[str, list]:
    """The welcome text and its buttons: what the bot does and how to use it, in 3-4 lines;
    `examples`, the most useful cards, become buttons to try at once."""
    _ = gettext_for(lang)
    names = {"topics": command("topics").name(lang), "help": command("help").name(lang)}
    head = (_("Welcome to Pregonero! You are now enrolled.") if first_time
            else _("Hello again! This is Pregonero."))
    lines = [
        f"<b>{esc(head)}</b>",
        "🔎 " + esc(_("Ask about good practices and procedures in your own words: I will find "
                     "the right guide.")),
        "📅 " + esc(_("Every week I will send you a short reminder.")),
        "📚 " + esc(_("/%(topics)s to browse by topic, /%(help)s for everything else.") % names),
    ]
    rows = [[button("🔎 " + short_label(c.title), "open", c.id)] for c in examples]
    if rows:
        lines.append(esc(_("Try one of these, or write your own question:")))
    rows.append([button("📚 " + _("Topics"), "topics"), button("❓ " + _("Help"), "help")])
    return "\n".join(lines), rows


async def start(update: Update, context: ChatContext) -> None:
    """Enroll with `/start <code>`, or show the welcome menu."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    code = start_code(message.text)
    officer = context.officer
    if officer is None:
        if code is None:  # the gate refuses this already; kept for direct calls
            await reply(update, esc(bilingual(REFUSAL)))
            return
        now = utcnow()
        result, officer = await context.store.run(
            officers.enroll, user.id, code, language=normalize_lang(user.language_code),
            timezone=context.settings.timezone, now=now,
        )
        if result == EnrollResult.SLOWED:
            until = await context.store.run(officers.invite_wait, user.id, now)
            left = (until - now).total_seconds() if until else 60
            wait = timedelta(minutes=max(1, math.ceil(left / 60)))
            await reply(update, esc("\n\n".join(
                gettext_for(lang)(SLOWED) % {"wait": format_wait(wait, lang)} for lang in LANGS)))
            return
        if officer is None:
            await reply(update, esc(bilingual(REFUSED[result])))
            return
        context.officer = officer
        await track(context, EventType.ENROLLED, value=str(result))
        await _staff_menu(context, officer)
        first_time = True
    else:  # a configured admin's very first /start is a first time too
        first_time = context.just_joined
    examples = await context.store.run(cards.most_useful, officer.language, 3)
    text, rows = welcome(officer.language, first_time=first_time, examples=examples)
    await reply(update, text, keyboard(rows))


async def _staff_menu(context: ChatContext, officer: Officer) -> None:
    if officer.role != Role.OFFICER:
        await set_chat_menu(context.bot, officer)

