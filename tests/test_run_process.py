"""`pregonero run` as a real process against the emulator: the contract's main path.

Enroll with a deep-link code, ask a question, receive a broadcast queued by another
`pregonero` process, read `/healthz`, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.clock import utcnow
from bot.store import Store
from bot.store.officers import create_invite
from bot.testkit.client import ChatUser
from bot.testkit.emulator import Emulator
from bot.testkit.pytest_plugin import free_port

pytestmark = pytest.mark.real_time  # the bot runs in another process

ROOT = Path(__file__).resolve().parent.parent


async def _pregonero(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_run_process_serves_officers_and_delivers_a_cli_broadcast(
    emulator: Emulator, store: Store, db_path: Path
) -> None:
    web_port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "PREGONERO_BOT_TOKEN": emulator.bot.token,
        "PREGONERO_API_URL": emulator.base_url,
        "PREGONERO_DB": str(db_path),
        "PREGONERO_WEB": f"127.0.0.1:{web_port}",
        # Words only: embedding the whole messages folder at import costs over a minute, and
        # the semantic layer has its own tests (test_search_semantic, test_search_eval).
        "PREGONERO_SEMANTIC": "off",
    }
    code, _, err = await _pregonero(env, "content", "import", "messages")
    assert code == 0, err
    invite = create_invite(store.db, now=utcnow())

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        officer = ChatUser(emulator, emulator.add_user(4242, "Agente", "es"))
        welcome = await officer.ask(f"/start {invite.code}", timeout=30)
        assert "Pregonero" in (welcome.text or "")

        answer = await officer.ask("nino solo sin papas en la garita", timeout=10)
        assert any("NNA" in label for label in answer.button_texts), answer.button_texts

        code, out, err = await _pregonero(
            env, "broadcast", "nna-no-acompanados", "--now", "--urgent", "--json"
        )
        assert code == 0, err
        assert json.loads(out)
        pushed = await emulator.wait_for(
            lambda: [m for m in emulator.bot_messages(officer.id)
                     if "primeros minutos" in (m.text or m.caption or "")],
            timeout=30,
        )
        assert pushed

        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{web_port}/healthz") as resp:
            health = await resp.json()
        assert resp.status == 200 and health

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    stderr = (await proc.stderr.read()).decode() if proc.stderr else ""
    assert "Traceback" not in stderr
    assert "nino solo" not in stderr  # message texts never reach the log
