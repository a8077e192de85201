"""A chat in the terminal: bot messages shown as Telegram shows them, buttons as numbers.

`render(msg, lang, ansi=...)` is pure: a bot message (text + entities) becomes terminal text
(bold, italic, underline and strikethrough as ANSI codes when `ansi`, links as `text (url)`)
and its inline buttons become numbered choices `[1] Útil  [2] No útil`.
`TerminalChat` reads lines (a daemon thread, so Ctrl-C never waits for Enter), sends them to
the bot through the emulator, prints what the bot sends (edits too), and taps a button when
the person types its number. `/quit` or Ctrl-D ends it.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import TextIO

from bot.i18n import N_, gettext_for
from bot.testkit.emulator import ChatMessage, Emulator, EmulatorError

ANSI = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "pre": ("\x1b[36m", "\x1b[39m"),
    "spoiler": ("\x1b[2m", "\x1b[22m"),
    "text_link": ("\x1b[4m", "\x1b[24m"),
}
DIM = ("\x1b[2m", "\x1b[22m")
QUIT = ("/quit", "/salir", "/exit")

S_EDITED = N_("edited")
S_IMAGE = N_("image")
S_DOCUMENT = N_("document")
S_HOW = N_("Write a question or a command (/help), or type a button's number (a quiz "
           "option's letter) to tap it. /quit ends the chat.")
S_NO_BUTTON = N_("There is no button %(n)s on the last message.")
S_BYE = N_("Chat closed.")


def format_entities(text: str, entities: list[dict], *, ansi: bool) -> str:
    """Text with its entities as ANSI styles (or plain), links written `text (url)`. Pure."""
    units = text.encode("utf-16-le")
    inserts: dict[int, list[str]] = {}
    for e in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start, end = e["offset"], e["offset"] + e["length"]
        codes = ANSI.get(e["type"])
        if ansi and codes:
            inserts.setdefault(start, []).append(codes[0])
            inserts.setdefault(end, []).insert(0, codes[1])
        if e["type"] == "text_link":
            label = units[start * 2:end * 2].decode("utf-16-le")
            if label.strip() != e["url"]:
                inserts.setdefault(end, []).append(f" ({e['url']})")
    out: list[str] = []
    points = sorted({0, len(units) // 2, *inserts})
    for a, b in zip(points, [*points[1:], None], strict=False):
        out.extend(inserts.get(a, []))
        if b is not None:
            out.append(units[a * 2:b * 2].decode("utf-16-le"))
    return "".join(out)


_LETTER = re.compile(r"^([A-F])(?:\) (.*))?$", re.S)


def letter_key(label: str) -> tuple[str, str] | None:
    """A quiz button's letter and the rest of its label: "A) Sí" -> ("A", "Sí"), "B" -> ("B",
    ""); None for other buttons. Pure."""
    m = _LETTER.match(label)
    return (m.group(1), m.group(2) or "") if m else None


def button_lines(msg: ChatMessage) -> tuple[list[str], list[dict]]:
    """The message's inline buttons as numbered choices, one line per row; a quiz's options
    are chosen by their letter instead (`[A] Sí`, or `[A]  [B]  [C]`). Pure."""
    lines, flat = [], []
    for row in msg.buttons:
        labels = []
        for b in row:
            flat.append(b)
            suffix = f" ({b['url']})" if "url" in b else ""
            lettered = letter_key(b.get("text", ""))
            if lettered is not None:
                letter, rest = lettered
                labels.append(f"[{letter}] {rest}".rstrip() + suffix)
                continue
            labels.append(f"[{len(flat)}] {b.get('text', '')}{suffix}")
        if labels:
            lines.append("  ".join(labels))
    return lines, flat


def render(msg: ChatMessage, lang: str, *, ansi: bool, edited: bool = False,
           bot_name: str = "Pregonero") -> str:
    """A bot message as the terminal shows it (header, body, media, numbered buttons). Pure."""
    _ = gettext_for(lang)
    header = "🤖 " + bot_name + (f" ({_(S_EDITED)})" if edited else "") + ":"
    if ansi:
        header = DIM[0] + header + DIM[1]
    parts = [header]
    if msg.photo:
        parts.append(f"🖼  [{_(S_IMAGE)}]")
    if msg.document:
        parts.append(f"📄 [{_(S_DOCUMENT)}: {msg.document.get('file_name', '')}]")
    if msg.text is not None:
        parts.append(format_entities(msg.text, msg.entities, ansi=ansi))
    elif msg.caption:
        parts.append(format_entities(msg.caption, msg.caption_entities, ansi=ansi))
    lines, _flat = button_lines(msg)
    parts.extend("  " + line for line in lines)
    return "\n".join(parts)


@dataclass
class TerminalChat:
    """The person at the terminal is one Telegram user talking to the bot."""

    emu: Emulator
    user_id: int
    lang: str
    stdin: TextIO = sys.stdin
    stdout: TextIO = sys.stdout
    ansi: bool = False
    choices: list[dict] = field(default_factory=list)
    choices_message: int = 0
    _seen: dict[int, int] = field(default_factory=dict)  # message_id -> rev printed
    _lines: asyncio.Queue[str | None] | None = None

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _start_reader(self) -> None:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._lines = lines

        def read() -> None:
            while True:
                try:
                    line = self.stdin.readline()
                except (OSError, ValueError):
                    line = ""
                loop.call_soon_threadsafe(lines.put_nowait, line if line else None)
                if not line:
                    return

        threading.Thread(target=read, name="demo-stdin", daemon=True).start()

    def _print_new(self) -> None:
        for msg in self.emu.bot_messages(self.user_id):
            printed = self._seen.get(msg.message_id)
            if printed is not None and printed >= msg.rev:
                continue
            self.say(render(msg, self.lang, ansi=self.ansi, edited=printed is not None,
                            bot_name=self.emu.bot.user["first_name"]))
            self.say("")
            self._seen[msg.message_id] = msg.rev
            _lines, flat = button_lines(msg)
            if flat:
                self.choices, self.choices_message = flat, msg.message_id

    def _changed(self) -> bool:
        return any(self._seen.get(m.message_id, -1) < m.rev
                   for m in self.emu.bot_messages(self.user_id))

    async def _printer(self) -> None:
        while True:
            await self.emu.wait_for(self._changed, timeout=24 * 3600)
            self._print_new()

    def _letter_choice(self, text: str) -> int | None:
        """The button number of a quiz option typed as its letter ("a" or "A"), else None."""
        if len(text) != 1:
            return None
        for i, b in enumerate(self.choices, 1):
            lettered = letter_key(b.get("text", ""))
            if lettered is not None and lettered[0] == text.upper():
                return i
        return None

    async def _tap(self, number: int) -> None:
        _ = gettext_for(self.lang)
        if not 1 <= number <= len(self.choices):
            self.say(_(S_NO_BUTTON) % {"n": number})
            return
        chosen = self.choices[number - 1]
        if "callback_data" not in chosen:
            self.say(chosen.get("url", ""))
            return
        try:
            query_id = await self.emu.tap(self.user_id, self.choices_message,
                                          chosen["callback_data"])
        except EmulatorError as exc:
            self.say(str(exc))
            return
        try:
            answer = await self.emu.wait_answer(query_id, timeout=10)
        except AssertionError:
            return
        if answer.get("text"):
            self.say(f"  » {answer['text']}")

    async def run(self) -> None:
        """Until /quit or end of input."""
        _ = gettext_for(self.lang)
        self.say(_(S_HOW))
        self.say("")
        self._print_new()
        self._start_reader()
        assert self._lines is not None
        printer = asyncio.create_task(self._printer())
        try:
            while True:
                line = await self._lines.get()
                if line is None:
                    break
                text = line.strip()
                if not text:
                    continue
                if text.lower() in QUIT:
                    break
                if text.isdigit() and self.choices and len(text) <= 2:
                    await self._tap(int(text))
                    continue
                letter = self._letter_choice(text)
                if letter is not None:
                    await self._tap(letter)
                    continue
                await self.emu.send_text(self.user_id, text)
        finally:
            printer.cancel()
            await asyncio.gather(printer, return_exceptions=True)
            self._print_new()
            self.say(_(S_BYE))
