"""Inline-button data: versioned, validated, at most 64 bytes.

Every button's `callback_data` is `v1:<action>:<arg>:<arg>...`. `decode()` returns None for
anything that is not exactly what `encode()` makes (an old version, an unknown action, a
wrong number of arguments, an argument of the wrong shape), so a forged or stale button gets
a polite answer from the handler instead of an exception.

Actions are declared once in ACTIONS; a handler module registers for its action names.
`button()` and `keyboard()` make the buttons and keyboards every area shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

VERSION = "v1"
MAX_BYTES = 64

_ID = r"[a-z0-9][a-z0-9_-]{0,47}"  # card ids, topic slugs
_INT = r"\d{1,12}"
_WORD = r"[a-z_]{1,16}"


@dataclass(frozen=True)
class Action:
    code: str
    args: tuple[str, ...]  # one regex per argument
    doc: str


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("open", (_ID,), "open card <id>"),
        Action("fb", (_ID, r"[yn]"), "feedback on card <id>: y useful, n not useful"),
        Action("res", (), "back to the last search results"),
        Action("topics", (), "list of topics"),
        Action("topic", (_ID,), "cards of topic <slug>"),
        Action("lang", (r"es|en",), "switch language"),
        Action("leave", (_WORD,), "leave: keep | forget (asks to confirm) | erase | cancel"),
        Action("quiz", (_ID, r"\d{1,2}"), "answer option <n> of quiz <id>"),
        Action("ack", (_ID, r"[a-f0-9]{1,16}"), "read and understood card <id> at <version>"),
        Action("rem", (r"on|off",), "reminders on or off"),
        Action("tz", (r"[a-z_]{1,16}",), "set time zone <code> (bot.delivery.timezones)"),
        Action("pv", (_INT,), "preview campaign <id> to the comms user who tapped"),
        Action("more", (_ID,), "send the rest of card <id> (text after a media caption)"),
        Action("page", (_INT,), "page <n> of the last results"),
        Action("help", (), "show the help"),
        Action("cmds", (), "list every command"),
    )
}


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]


class CallbackTooLong(ValueError):
    """The encoded data would exceed Telegram's 64-byte limit."""


def encode(action: str, *args: object) -> str:
    spec = ACTIONS[action]
    values = tuple(str(a) for a in args)
    if len(values) != len(spec.args):
        raise ValueError(f"{action} takes {len(spec.args)} arguments, got {len(values)}")
    for value, pattern in zip(values, spec.args, strict=True):
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{action}: {value!r} does not match {pattern}")
    data = ":".join((VERSION, action, *values))
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The button's meaning, or None if the data is not one this version of the bot made."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION:
        return None
    spec = ACTIONS.get(parts[1])
    if spec is None:
        return None
    args = tuple(parts[2:])
    if len(args) != len(spec.args):
        return None
    for value, pattern in zip(args, spec.args, strict=True):
        if not re.fullmatch(pattern, value):
            return None
    return Callback(parts[1], args)


Button = tuple[str, str]  # (label, callback data)
LABEL_FIT = 46  # characters a full-width button shows on a phone before Telegram cuts it
HALF_FIT = 20  # the same for a button sharing its row with another


def button(label: str, action: str, *args: object) -> Button:
    return (label, encode(action, *args))


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as Telegram's inline keyboard (None when there are none)."""
    kept = [list(r) for r in rows if r]
    if not kept:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in kept]
    )


def actions_in(markup: InlineKeyboardMarkup | None) -> list[tuple[str, tuple[str, ...]]]:
    """The decoded (action, args) of every button of a keyboard, in order."""
    found: list[tuple[str, tuple[str, ...]]] = []
    if markup is None:
        return found
    for row in markup.inline_keyboard:
        for b in row:
            cb = decode(b.callback_data if isinstance(b.callback_data, str) else None)
            if cb is not None:
                found.append((cb.action, cb.args))
    return found
