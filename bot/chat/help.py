"""`/ayuda` (`/help`) and the help button: what the bot does and every command, from the table."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import button, keyboard
from bot.chatkit.commands import command, help_lines
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, esc, reply
from bot.i18n import gettext_for
from bot.store.officers import Officer, Role


def _name(key: str, lang: str) -> str:
    return command(key).name(lang)


def help_text(lang: str, role: Role) -> str:
    """What the bot can do, in four lines (staff get a fifth for their commands). Pure.
    Every command, one per line, is one tap away (`commands_text`)."""
    _ = gettext_for(lang)
    n = {key: _name(key, lang) for key in ("topics", "directory", "reminders", "timezone",
                                           "language", "stop", "upcoming", "panel")}
    lines = [
        "<b>" + esc(_("How to use Pregonero")) + "</b>",
        "🔎 " + esc(_("Write your question in your own words (for example: %(example)s): I "
                     "answer with the guides that match.") % {
                         "example": _("unaccompanied minor")}),
        "📚 " + esc(_("/%(topics)s: the guides by topic · /%(directory)s: whom to call.")
                   % n),
        "🔔 " + esc(_("/%(reminders)s: weekly reminders on or off · /%(timezone)s: your time "
                     "zone.") % n),
        "⚙️ " + esc(_("/%(language)s: español / English · /%(stop)s: leave Pregonero.") % n),
    ]
    if role != Role.OFFICER:
        lines.append("🗂 " + esc(_("/%(upcoming)s: upcoming sends · /%(panel)s: the web "
                                  "panel.") % n))
    return "\n".join(lines)


def commands_text(lang: str, role: Role) -> str:
    """Every command of this role, one per line, from the command table. Pure."""
    _ = gettext_for(lang)
    return "\n".join(["<b>" + esc(_("All commands")) + "</b>",
                      *(esc(line) for line in help_lines(lang, role))])


@requires_officer
async def show_help(update: Update, context: ChatContext, officer: Officer) -> None:
    """Send the help (command or button)."""
    await answer(update)
    _ = context._
    rows = [[button("📚 " + _("Topics"), "topics"), button("📋 " + _("All commands"), "cmds")]]
    await reply(update, help_text(officer.language, officer.role), keyboard(rows))


@requires_officer
async def show_commands(update: Update, context: ChatContext, officer: Officer) -> None:
    """The "All commands" button: every command with what it does."""
    await answer(update)
    await reply(update, commands_text(officer.language, officer.role))
