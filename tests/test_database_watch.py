"""The database is watched: a file deleted or replaced under the running process, or a disk
that refuses writes, turns /healthz unhealthy; a question is answered when only the logging
of it fails; a read-only database is one line from the CLI.

The disk tests mount a small tmpfs (a real full disk, a real read-only mount): they need root
and are skipped without it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import utcnow
from bot.library import import_folder
from bot.store.officers import create_invite
from bot.testkit.client import ChatUser

ROOT = Path(__file__).resolve().parent.parent


def _mount(*args: str) -> bool:
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 MB tmpfs of our own (a disk that can really fill up)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or not _mount(
            "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mnt)):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> None:
    """Write zeros until the disk says it is full."""
    block = b"\0" * 65536
    try:
        with open(disk / "filler", "wb") as fh:
            while True:
                fh.write(block)
                fh.flush()
    except OSError:
        pass


@pytest.fixture
def db_path(small_disk: Path) -> Path:  # the store and the bot's settings live on the tmpfs
    return small_disk / "pregonero.db"


async def test_a_full_disk_still_gets_answers_and_turns_healthz_unhealthy(
        emulator, store, small_disk, runtime_factory, caplog):
    import_folder(store.db, ROOT / "messages", utcnow())
    runtime = await runtime_factory(with_web=True)
    code = (await store.run(create_invite, now=utcnow())).code
    officer = ChatUser(emulator, emulator.add_user(7301, "Agente", "es"))
    await officer.ask(f"/start {code}", timeout=10)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{runtime.web_address}/healthz") as resp:
            assert resp.status == 200

        fill(small_disk)
        reply = await officer.ask("menor no acompañado", timeout=10)
        assert reply.button_texts  # answered, although its logging (and the inbox) failed
        reply = await officer.ask("asilo", timeout=10)
        assert reply.button_texts
        async with http.get(f"{runtime.web_address}/healthz") as resp:
            body = await resp.json()
            assert resp.status == 503, body
    assert "full" in body["database_problem"]
    assert body["updates"]["durable"] is False
    assert "could not record" in caplog.text
    assert "menor" not in caplog.text  # the warnings carry no message text

    (small_disk / "filler").unlink()  # space again: the inbox stores updates again
    reply = await officer.ask("trato digno", timeout=10)
    assert reply.button_texts and runtime.poller.durable


def test_a_read_only_database_is_one_line_for_every_writing_verb(store, small_disk, tmp_path,
                                                                  cli, monkeypatch):
    create_invite(store.db, now=utcnow())
    store.close()
    view = tmp_path / "ro"
    view.mkdir()
    if not _mount("--bind", str(small_disk), str(view)):
        pytest.skip("cannot bind-mount")
    try:
        assert _mount("-o", "remount,bind,ro", str(view))
        monkeypatch.setenv("PREGONERO_DB", str(view / "pregonero.db"))
        for args in (["invite", "create"], ["content", "import", str(ROOT / "messages")]):
            out = cli(*args)
            assert out.code == 1, (args, out.out, out.err)
            assert len(out.err.strip().splitlines()) == 1, out.err
            assert "Traceback" not in out.err
            assert "read-only" in out.err or "cannot open" in out.err, out.err
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert sqlite3.connect(small_disk / "pregonero.db").execute(
        "SELECT count(*) FROM invites").fetchone()[0] == 1
