"""`kill -9` with questions in flight: after a restart every question is answered, once.

`pregonero run` is a real process against the emulator (which forgets an update once the bot
confirms it, as Telegram does). Replies are held at the emulator (`stall`) so the kill finds
twenty questions stored and confirmed but not answered; the held replies never reach anyone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.library import import_folder
from bot.store import Store
from bot.store.officers import create_invite
from bot.testkit.client import ChatUser
from bot.testkit.emulator import Emulator
from bot.testkit.pytest_plugin import free_port

pytestmark = pytest.mark.real_time  # waits on another process

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["menor no acompañado", "asilo", "trato digno", "pasaporte falso", "trata"]


def _pending(db_path: Path) -> int:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return int(conn.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0])
    finally:
        conn.close()


async def _eventually(check: Callable[[], bool], timeout: float = 30) -> None:  # noqa: ASYNC109
    """Wait for a condition on the database of another process: nothing there can wake us,
    so look again every 50 ms (a wait, not a timing assertion)."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def test_kill_9_with_questions_in_flight_loses_none_and_answers_each_once(
        emulator: Emulator, store: Store, db_path: Path) -> None:
    import_folder(store.db, ROOT / "messages", utcnow())
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "PYTHONPATH": str(ROOT),
           "PREGONERO_BOT_TOKEN": emulator.bot.token, "PREGONERO_API_URL": emulator.base_url,
           "PREGONERO_DB": str(db_path), "PREGONERO_WEB": f"127.0.0.1:{free_port()}"}
    officers = []
    for n in range(5):
        invite = create_invite(store.db, now=utcnow())
        officers.append((ChatUser(emulator, emulator.add_user(6200 + n, "Agente", "es")),
                         invite.code))
    first = await _start(env)
    second = None
    try:
        await asyncio.gather(*(o.ask(f"/start {code}", timeout=30) for o, code in officers))
        await asyncio.gather(*(o.ask(QUESTIONS[0], timeout=30) for o, _ in officers))
        await _eventually(lambda: _pending(db_path) == 0)  # all handled and marked so

        emulator.stall("sendMessage")
        for question in QUESTIONS[1:]:
            for officer, _ in officers:
                await officer.send(question)
        # every question fetched, stored and confirmed (Telegram has forgotten them) ...
        await emulator.wait_for(lambda: not emulator.bot.updates, timeout=30)
        await _eventually(lambda: _pending(db_path) == 20)
        # ... and their replies on the wire, unanswered
        await emulator.wait_for(lambda: emulator.faults.stalled_requests >= 1, timeout=30)
        first.kill()
        assert await first.wait() == -signal.SIGKILL
        emulator.unstall()

        second = await _start(env)
        for officer, _ in officers:
            await emulator.wait_for(lambda o=officer: len(emulator.bot_messages(o.id)) >= 6,
                                    timeout=30)
        await _eventually(lambda: _pending(db_path) == 0)
        for officer, _ in officers:
            replies = emulator.bot_messages(officer.id)
            assert len(replies) == 6, [m.content[:40] for m in replies]  # welcome + 5 answers
            assert all(m.reply_markup for m in replies[1:])  # each answer names cards
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=30) == 0
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
    for proc in (first, second):
        assert proc is not None and proc.stderr is not None
        err = (await proc.stderr.read()).decode()
        assert "Traceback" not in err, err
        assert "menor no" not in err and "asilo" not in err  # no message texts in the log
