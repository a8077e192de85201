"""`pregonero run`: refuses to start without a token, validates its options, logs no texts."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from bot.cli.run import configure_logging


def _run(tmp_path: Path, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin", "PREGONERO_DB": str(tmp_path / "p.db")}
    if token:
        env["PREGONERO_BOT_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "bot", "run", *args], env=env,
                          capture_output=True, text=True, cwd=tmp_path, check=False)


def test_without_a_token_run_refuses_and_says_how_to_get_one(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert out.returncode == 1
    assert "@BotFather" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_webhook_url_that_is_not_http_is_refused_before_anything_starts(tmp_path: Path) -> None:
    out = _run(tmp_path, "--webhook-url", "ftp://example.org/x", token="1:x")
    assert out.returncode == 1 and "not an http(s) URL" in out.stderr


def test_verbose_logging_never_enables_the_libraries_that_log_texts_or_the_token() -> None:
    configure_logging(verbose=True)
    assert logging.getLogger("bot.chat").isEnabledFor(logging.DEBUG)
    # python-telegram-bot logs whole updates (texts with user ids) at DEBUG
    assert not logging.getLogger("telegram.ext.Application").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)
    # httpx logs request URLs, which contain the token
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_run_refuses_a_missing_database_in_one_line_and_creates_nothing(tmp_path: Path) -> None:
    out = _run(tmp_path, token="1:x")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "no database" in out.stderr and "--init" in out.stderr
    assert not (tmp_path / "p.db").exists()
