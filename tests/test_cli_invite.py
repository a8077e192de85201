"""`pregonero invite`: codes with deep links, and one-line errors for bad arguments."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.store import Store, officers

# CLI verbs never create a database without --init: the `store` fixture creates it.
pytestmark = pytest.mark.usefixtures("store")


def test_invite_create_json_gives_a_code_and_its_deep_link(cli) -> None:
    out = cli("invite", "create", "--role", "comms", "--uses", "5", "--expires", "7d", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["link"].endswith(f"?start={data['code']}")
    assert data["link"].startswith("https://t.me/")
    assert data["role"] == "comms" and data["uses"] == 5


def test_invite_list_and_revoke(cli) -> None:
    code = json.loads(cli("invite", "create", "--json").out)["code"]
    assert cli("invite", "revoke", code).code == 0
    listed = json.loads(cli("invite", "list", "--json").out)
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
def test_bad_arguments_give_one_line_and_a_non_zero_exit(cli, args: tuple) -> None:
    out = cli(*args)
    assert out.code != 0
    assert out.out == ""
    assert len(out.err.strip().splitlines()) == 1
    assert "Traceback" not in out.err


def test_a_staff_invite_without_uses_reads_as_english(cli) -> None:
    out = cli("invite", "create", "--role", "admin")
    assert "an admin invite" in out.err
    out = cli("invite", "create", "--role", "comms")
    assert "a comms invite" in out.err


def test_invite_list_shows_a_used_up_invite_as_used_up(cli, store: Store) -> None:
    code = json.loads(cli("invite", "create", "--uses", "1", "--json").out)["code"]
    result, _ = officers.enroll(store.db, 4242, code, language="es",
                                timezone="America/Mexico_City",
                                now=datetime(2026, 1, 1, tzinfo=UTC))
    assert result == officers.EnrollResult.ENROLLED
    out = cli("invite", "list")
    line = next(x for x in out.out.splitlines() if x.startswith(code))
    assert "1/1" in line and line.endswith("used up"), line
    listed = json.loads(cli("invite", "list", "--json").out)
    assert listed[0]["state"] == "used_up"
