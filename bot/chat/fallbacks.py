"""What is left after every other handler: unknown commands, non-text messages, bad buttons."""

from __future__ import annotations

from telegram import Update

from bot.chat.searching import run_search
from bot.chatkit.commands import closest, command, parse_command
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, esc, reply, stale_text
from bot.store.officers import Officer


@requires_officer
async def unknown_command(update: Update, context: ChatContext, officer: Officer) -> None:
    """A command the bot does not have: a near miss gets "did you mean", a topic word typed as
    a command ("/nna") is searched, anything else gets a pointer to the help."""
    _ = context._
    message = update.effective_message
    parsed = parse_command(message.text if message is not None else None)
    guess = closest(parsed.name, officer.role) if parsed is not None else None
    if guess is not None:
        await reply(update, esc(_("I do not know that command. Did you mean /%(command)s?")
                                % {"command": guess}))
        return
    unknown = esc(_("I do not know that command. Send /%(help)s to see what I can do.")
                  % {"help": command("help").name(context.lang)})
    if parsed is not None and parsed.mention is None:  # "/nna", "/asilo": words, not a command
        words = f"{parsed.name.replace('_', ' ')} {parsed.args}".strip()
        await run_search(update, context, words, nothing_html=unknown)
        return
    await reply(update, unknown)


@requires_officer
async def not_text(update: Update, context: ChatContext, officer: Officer) -> None:
    """A photo, sticker, voice note...: the bot reads text only. A photo or file sent with a
    caption ("¿es válido este pasaporte?") is answered as that question."""
    message = update.effective_message
    caption = (message.caption or "").strip() if message is not None else ""
    if caption:
        await run_search(update, context, caption)
        return
    _ = context._
    await reply(update, esc(_("I can only read text. Write your question in words, for example: "
                              "%(example)s") % {"example": _("asylum request")}))


async def bad_button(update: Update, context: ChatContext) -> None:
    """A forged, outdated or unknown button: a polite answer, never an exception."""
    await answer(update, stale_text(context.lang))
