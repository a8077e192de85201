"""Progress of long work on the command line: a bar on a terminal, plain lines otherwise;
`content import` while it reads and stores, `broadcast`/`campaign show --follow` while the
running bot delivers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import campaign as campaign_cli
from bot.cli.progress import ProgressBar, bar_line
from bot.delivery import campaigns as lib
from bot.store import Store
from bot.store import delivery as outbox
from tests.factories import campaign_store


@pytest.fixture
def env(store: Store, tmp_path: Path) -> Store:
    return campaign_store(store, tmp_path / "messages")


def test_the_bar_and_its_plain_lines() -> None:
    assert bar_line("checking", "files", 21, 42) == (
        "checking [##############--------------] 21/42 files  50%")
    out = io.StringIO()
    bar = ProgressBar("checking", "files", stream=out, tty=False)
    for done in range(0, 101):
        bar.update(done, 100)
    bar.close()
    assert out.getvalue().splitlines() == [
        "checking: 0/100 files", "checking: 25/100 files", "checking: 50/100 files",
        "checking: 75/100 files", "checking: 100/100 files"]
    tty = io.StringIO()
    bar = ProgressBar("checking", "files", stream=tty, tty=True)
    bar.update(3, 4)
    bar.close()
    assert tty.getvalue().startswith("\rchecking [") and tty.getvalue().endswith(
        "3/4 files  75%\x1b[K\n")
    assert "\n" not in tty.getvalue()[:-1]  # redrawn in place, one line in the end
    quiet = io.StringIO()
    bar = ProgressBar("x", "y", stream=quiet, quiet=True)
    bar.update(1, 2)
    bar.close()
    assert quiet.getvalue() == ""


def test_content_import_shows_its_progress_in_plain_lines(env, cli) -> None:
    code, _out, err = cli("content", "import", str(Path("messages")))
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == "checking: 0/2 files" and "checking: 2/2 files" in lines
    assert lines[-1] == "storing: 4/4 steps"
    code, _out, err = cli("content", "import", "messages", "--json")
    assert code == 0 and err == ""  # --json: nothing but the JSON


def test_campaign_show_follow_waits_until_nothing_is_pending(env, cli, monkeypatch) -> None:
    """The engine's work is simulated at each pause of the follower: one message a look."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    c = lib.add(env.db, lib.new_broadcast(env.db, "nna", at=None, urgent=True, now=now))
    sends = lib.dry_run(env.db, c, now=now)
    outbox.save_plan(env.db, sends, now=now, campaign_id=c.id, broadcast_planned=True)
    env.db.execute("UPDATE campaigns SET status = 'sending' WHERE id = ?", [c.id])
    looks = []

    def engine_sends_one(_seconds: float) -> None:
        looks.append(1)
        rows = outbox.claim_due(env.db, now=now, limit=1)
        outbox.finish(env.db, [outbox.Outcome(rows[0], "sent")], now=now)

    monkeypatch.setattr(campaign_cli.time, "sleep", engine_sends_one)
    code, out, err = cli("campaign", "show", str(c.id), "--follow")
    assert code == 0, err
    assert len(looks) == len(sends) == 3
    assert err.splitlines()[0] == "delivering: 0/3 messages"
    assert err.splitlines()[-1] == "delivering: 3/3 messages"
    assert "sent 3" in out


@pytest.mark.parametrize("args", [("--at", "2030-01-01T09:00"), ("--now",)])
def test_broadcast_follow_stops_when_nothing_is_due_soon_or_all_is_sent(
        env, cli, monkeypatch, args) -> None:
    """Without a running bot nothing gets planned: a broadcast due now is followed until the
    first pause (here: the test's), one due in years is not followed at all."""
    pauses = []

    def stop(_seconds: float) -> None:
        pauses.append(1)
        env.db.execute("UPDATE campaigns SET status = 'cancelled'")

    monkeypatch.setattr(campaign_cli.time, "sleep", stop)
    code, _out, err = cli("broadcast", "nna", *args, "--urgent", "--follow")
    assert code == 0, err
    assert "delivering: 0/3 messages" in err
    assert len(pauses) == (1 if args == ("--now",) else 0)
