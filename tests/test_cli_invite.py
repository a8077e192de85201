"""`pregonero invite`: codes with deep links, and one-line errors for bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Store


def pregonero(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not db_path.exists():
        Store.open(db_path).close()  # CLI verbs never create a database without --init
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True, text=True, env={"PREGONERO_DB": str(db_path), "PATH": "/usr/bin"},
        cwd=db_path.parent, check=False,
    )


def test_invite_create_json_gives_a_code_and_its_deep_link(db_path: Path) -> None:
    out = pregonero(db_path, "invite", "create", "--role", "comms", "--uses", "5",
                    "--expires", "7d", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["link"].endswith(f"?start={data['code']}")
    assert data["link"].startswith("https://t.me/")
    assert data["role"] == "comms" and data["uses"] == 5


def test_invite_list_and_revoke(db_path: Path) -> None:
    code = json.loads(pregonero(db_path, "invite", "create", "--json").stdout)["code"]
    assert pregonero(db_path, "invite", "revoke", code).returncode == 0
    listed = json.loads(pregonero(db_path, "invite", "list", "--json").stdout)
    assert listed[0]["code"] == code and listed[0]["revoked"] is True


@pytest.mark.parametrize(
    "args",
    [
        ("invite", "create", "--role", "boss"),
        ("invite", "create", "--uses", "0"),
        ("invite", "create", "--expires", "soon"),
        ("invite", "revoke", "NOPE"),
        ("invite", "create", "--uses", "1" + "0" * 24),
        ("invite", "create", "--expires", "99999999999999w"),
        ("invite", "create", "--expires", "4000d"),
        ("invite", "create", "--role", "admin"),  # a staff invite needs --uses
        ("invite", "create", "--role", "comms", "--expires", "7d"),
        ("no-such-verb",),
    ],
)
def test_bad_arguments_give_one_line_and_a_non_zero_exit(db_path: Path, args: tuple) -> None:
    out = pregonero(db_path, *args)
    assert out.returncode != 0
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_a_staff_invite_without_uses_reads_as_english(db_path: Path) -> None:
    out = pregonero(db_path, "invite", "create", "--role", "admin")
    assert "an admin invite" in out.stderr
    out = pregonero(db_path, "invite", "create", "--role", "comms")
    assert "a comms invite" in out.stderr


def test_invite_list_shows_a_used_up_invite_as_used_up(db_path: Path) -> None:
    from bot.store import Store, officers

    code = json.loads(pregonero(db_path, "invite", "create", "--uses", "1",
                                "--json").stdout)["code"]
    store = Store.open(db_path)
    try:
        result, _ = officers.enroll(store.db, 4242, code, language="es",
                                    timezone="America/Mexico_City", now="2026-01-01T00:00:00Z")
        assert result == officers.EnrollResult.ENROLLED
    finally:
        store.close()
    out = pregonero(db_path, "invite", "list")
    line = next(x for x in out.stdout.splitlines() if x.startswith(code))
    assert "1/1" in line and line.endswith("used up"), line
    listed = json.loads(pregonero(db_path, "invite", "list", "--json").stdout)
    assert listed[0]["state"] == "used_up"
