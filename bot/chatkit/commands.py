"""The bot's commands: ONE declared table, `COMMANDS`, feeds setMyCommands (per language and
role), /ayuda, "did you mean", the handlers' registration and the README.

Every command has a Spanish and an English name; both work whatever the officer's language,
and the menu shows the names of the officer's language. Every command of every area is a row
here, fixed at import. The area that answers a command (chat, delivery, panel) maps its key to
its handler and registers it with `command_handlers()`, when the runtime asks
(`bot.runtime.chat_areas()`); `tests/test_chat_app.py` checks that every row is answered once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand
from telegram.ext import CommandHandler, filters

from bot.i18n import N_, gettext_for
from bot.store.officers import Role

EVERYONE = frozenset(Role)
STAFF = frozenset({Role.COMMS, Role.ADMIN})
_NAME = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class Command:
    key: str  # stable handler key, also the English name by convention
    name_es: str
    name_en: str
    description: str  # English msgid (N_), translated when shown
    roles: frozenset[Role] = EVERYONE
    in_menu: bool = True  # shown in Telegram's command menu and /ayuda

    def __post_init__(self) -> None:
        for name in (self.name_es, self.name_en):
            if not _NAME.fullmatch(name):
                raise ValueError(f"invalid Telegram command name {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name_es, self.name_en)))

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_es


COMMANDS: tuple[Command, ...] = (
    Command("start", "start", "start", N_("Welcome and main menu"), in_menu=False),
    Command("help", "ayuda", "help", N_("What the bot does and how to use it")),
    Command("search", "buscar", "search", N_("Search the guides (add a few words)")),
    Command("topics", "temas", "topics", N_("Browse the guides by topic")),
    Command("reminders", "recordatorios", "reminders", N_("Pause or resume weekly reminders")),
    Command("directory", "directorio", "directory", N_("Whom to call: national and regional "
                                                        "contacts")),
    Command("timezone", "zona", "timezone", N_("Choose your time zone")),
    Command("language", "idioma", "language", N_("Change language (español / English)")),
    Command("upcoming", "proximos", "upcoming", N_("Upcoming campaign sends and previews"),
            roles=STAFF),
    Command("panel", "panel", "panel", N_("Sign in to the web panel"), roles=STAFF),
    Command("stop", "baja", "stop", N_("Leave the bot (optionally erase your data)")),
)


def command(key: str) -> Command:
    for c in COMMANDS:
        if c.key == key:
            return c
    raise KeyError(key)


def command_handlers(handlers: Mapping[str, Callable[..., Coroutine[Any, Any, None]]]
                     ) -> list[CommandHandler]:
    """One `CommandHandler` per command key of an area (both names, private messages only);
    a key missing from `COMMANDS` is a KeyError at start-up."""
    return [CommandHandler(names(key), callback, filters=filters.UpdateType.MESSAGE)
            for key, callback in handlers.items()]


def names(key: str) -> tuple[str, ...]:
    """Both names of a command, for `CommandHandler(names("reminders"), ...)`."""
    return command(key).names


def visible(role: Role) -> list[Command]:
    """The commands this role sees, in declared order, /baja (/stop) always last."""
    shown = [c for c in COMMANDS if c.in_menu and role in c.roles]
    return sorted(shown, key=lambda c: c.key == "stop")


def bot_commands(lang: str, role: Role) -> list[BotCommand]:
    """The command menu of one language and role, for setMyCommands."""
    _ = gettext_for(lang)
    return [BotCommand(c.name(lang), _(c.description)) for c in visible(role)]


def help_lines(lang: str, role: Role) -> list[str]:
    """One line per command, `/name — what it does`, in the officer's language (plain text)."""
    _ = gettext_for(lang)
    return [f"/{c.name(lang)} — {_(c.description)}" for c in visible(role)]


def closest(name: str, role: Role) -> str | None:
    """The command this role has that a mistyped name most likely meant (`idiomas` -> `idioma`,
    `ayduda` -> `ayuda`), or None. Pure."""
    known = [n for c in visible(role) for n in c.names]
    found = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.7)
    return found[0] if found else None


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str
    mention: str | None


def parse_command(text: str | None) -> ParsedCommand | None:
    """`/buscar@PregoneroBot  asilo  ` -> ParsedCommand("buscar", "asilo", "PregoneroBot"). Pure."""
    if not text or not text.startswith("/"):
        return None
    head, _sep, rest = text[1:].partition(" ")
    head, _nl, more = head.partition("\n")
    name, _at, mention = head.partition("@")
    if not _NAME.fullmatch(name.lower()):
        return None
    args = " ".join(part for part in (more, rest) if part).strip()
    return ParsedCommand(name.lower(), args, mention or None)
