"""`pregonero demo` runs the bot with no token: a terminal chat, or a server until SIGTERM."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from bot.clock import utcnow
from bot.library import import_folder
from bot.store import Store
from bot.testkit.emulator import ChatMessage
from bot.testkit.terminal import TerminalChat, button_lines, format_entities, render
from tests.factories import NNA_CARDS, NNA_TITLE, write_cards

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # a guard against a hung process, not a timing assertion


class Lines:
    """A child's output, line by line, read on a thread so the test can wait for a pattern."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            try:
                for line in stream:
                    self._queue.put(line)
            except OSError:  # a pty whose other end closed
                pass
            self._queue.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def until(self, pattern: str) -> str:
        regex = re.compile(pattern)
        while True:
            try:
                line = self._queue.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"never saw {pattern!r} in:\n{''.join(self.seen)}") from None
            if line is None:
                raise AssertionError(f"output ended before {pattern!r}:\n{''.join(self.seen)}")
            self.seen.append(line)
            if regex.search(line):
                return line


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    write_cards(tmp_path / "messages", NNA_CARDS)
    with Store.open(tmp_path / "demo.db") as store:
        import_folder(store.db, tmp_path / "messages", utcnow())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREGONERO_")}
    # Words only: loading the embedding model in each demo process is not what these test.
    env.update(PREGONERO_DB=str(tmp_path / "demo.db"), PREGONERO_WEB="127.0.0.1:0",
               PREGONERO_SEMANTIC="off", PYTHONPATH=str(ROOT), NO_COLOR="1")
    env["DEMO_CWD"] = str(tmp_path)
    return env


@contextmanager
def running_demo(env: dict[str, str], *args: str, **popen: object) -> Iterator[subprocess.Popen]:
    """`pregonero demo` as a real process; killed on the way out if it is still running."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--port", "0", *args],
                            env=env, cwd=env["DEMO_CWD"], text=True, encoding="utf-8",
                            **popen)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_demo_answers_a_query_typed_in_the_terminal_and_quits(demo_env):
    with running_demo(demo_env, "--terminal", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        out = Lines(proc.stdout)
        assert "/sandbox" in out.until(r"http://127\.0\.0\.1:\d+/sandbox")
        out.until(r"\[\d\] 📚 .*\[\d\] ❓")  # the welcome's buttons, as numbered choices
        proc.stdin.write("menor no acompañado\n")
        proc.stdin.flush()
        out.until(r"\[1\] .*" + re.escape(NNA_TITLE))
        proc.stdin.write("1\n")  # taps the first result: the card opens
        proc.stdin.flush()
        out.until(r"Procuraduría de Protección")
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        out.until(r"Demo detenida\.")
        assert proc.wait(timeout=WAIT) == 0
    assert "Traceback" not in proc.stderr.read()


def test_without_a_terminal_the_demo_serves_until_sigterm(demo_env):
    with running_demo(demo_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        out = Lines(proc.stdout)
        out.until(r"http://127\.0\.0\.1:\d+/sandbox")
        out.until(r"Ctrl-C")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    assert "Traceback" not in proc.stderr.read()


def test_a_real_terminal_gets_the_chat_with_ansi_styles(demo_env):
    import pty

    master, slave = pty.openpty()
    with running_demo(demo_env, stdin=slave, stdout=slave, stderr=subprocess.PIPE) as proc:
        os.close(slave)
        with os.fdopen(master, "r", encoding="utf-8", errors="replace") as reader:
            out = Lines(reader)
            out.until(r"\[\d\] 📚 .*\[\d\] ❓")  # the welcome's buttons
            os.write(master, b"/quit\n")
            assert proc.wait(timeout=WAIT) == 0
            assert any("\x1b[1m" in line for line in out.seen)  # bold, as Telegram shows it


# ------------------------------------------------------------------ rendering


def message(text: str, entities: list[dict], rows: list[list[dict]] | None = None) -> ChatMessage:
    markup = {"inline_keyboard": rows} if rows else None
    return ChatMessage(1, 1, True, 0, text=text, entities=entities, reply_markup=markup)


def test_bold_and_italic_become_ansi_styles_on_a_terminal_and_vanish_in_plain_output():
    entities = [{"type": "bold", "offset": 0, "length": 4},
                {"type": "italic", "offset": 5, "length": 6}]
    assert format_entities("Paso número", entities, ansi=True) == (
        "\x1b[1mPaso\x1b[22m \x1b[3mnúmero\x1b[23m")
    assert format_entities("Paso número", entities, ansi=False) == "Paso número"


def test_a_link_is_written_as_text_and_url():
    entities = [{"type": "text_link", "offset": 4, "length": 4, "url": "https://x.org"}]
    assert format_entities("Ver guía 😀", entities, ansi=False) == (
        "Ver guía (https://x.org) 😀")


def test_offsets_count_utf16_units_like_telegram():
    entities = [{"type": "bold", "offset": 3, "length": 2}]
    assert format_entities("😀 ok", entities, ansi=True) == "😀 \x1b[1mok\x1b[22m"


def test_a_quizs_options_are_chosen_by_their_letter_not_a_number():
    letters = message("Quiz", [], [[{"text": t, "callback_data": t} for t in "ABC"],
                                   [{"text": "👍 Útil", "callback_data": "u"}]])
    lines, _flat = button_lines(letters)
    assert lines == ["[A]  [B]  [C]", "[4] 👍 Útil"]
    short = message("Quiz", [], [[{"text": "A) Sí", "callback_data": "a"}],
                                 [{"text": "B) No", "callback_data": "b"}]])
    assert button_lines(short)[0] == ["[A] Sí", "[B] No"]
    chat = TerminalChat(emu=None, user_id=1, lang="es",  # type: ignore[arg-type]
                        choices=letters.buttons[0] + letters.buttons[1])
    assert chat._letter_choice("b") == 2 and chat._letter_choice("B") == 2
    assert chat._letter_choice("z") is None and chat._letter_choice("ab") is None


def test_buttons_become_numbered_choices_row_by_row():
    msg = message("Tarjeta", [], [[{"text": "👍 Útil", "callback_data": "a"},
                                   {"text": "👎 No útil", "callback_data": "b"}],
                                  [{"text": "Sitio", "url": "https://x.org"}]])
    lines, flat = button_lines(msg)
    assert lines == ["[1] 👍 Útil  [2] 👎 No útil", "[3] Sitio (https://x.org)"]
    assert [b["text"] for b in flat] == ["👍 Útil", "👎 No útil", "Sitio"]
    shown = render(msg, "es", ansi=False)
    assert shown.splitlines() == ["🤖 Pregonero:", "Tarjeta", "  [1] 👍 Útil  [2] 👎 No útil",
                                  "  [3] Sitio (https://x.org)"]
