"""`/ayuda` (`/help`) and the help button: what the bot does and every command, from the table."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chatkit.commands import help_lines
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, esc, reply
from bot.i18n import gettext_for
from bot.store.officers import Officer, Role


def help_text(lang: str, role: Role) -> str:
    """The help message for one language and role. Pure."""
    _ = gettext_for(lang)
    lines = [
        "<b>" + esc(_("How to use Pregonero")) + "</b>",
        esc(_("Write a question or a few words, for example: %(example)s") % {
            "example": _("unaccompanied minor")}),
        esc(_("I answer with the guides that match; tap one to open it, then tell me if it "
              "was useful.")),
        "",
        *(esc(line) for line in help_lines(lang, role)),
    ]
    return "\n".join(lines)


@requires_officer
async def show_help(update: Update, context: ChatContext, officer: Officer) -> None:
    """Send the help (command or button)."""
    await answer(update)
    _ = context._
    rows = [[button("📚 " + _("Topics"), "topics")]]
    await reply(update, help_text(officer.language, officer.role), keyboard(rows))
