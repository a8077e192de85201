"""`pregonero broadcast` and `pregonero campaign`: store what the engine sends, dry runs,
JSON on stdout, and one-line errors for unknown cards, bad times and empty segments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.store import Store
from bot.store import delivery as outbox
from tests.factories import campaign_store


@pytest.fixture
def env(store: Store, tmp_path: Path) -> Store:
    return campaign_store(store, tmp_path / "messages")


def test_broadcast_now_queues_one_row_per_officer_of_the_segment(env, cli) -> None:
    code, out, err = cli("broadcast", "nna", "--now", "--segment", "region=norte",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "broadcast" and data["status"] == "scheduled"
    assert data["segment"] == "region=norte" and data["items"] == ["nna"]
    assert outbox.get_campaign(env.db, data["id"]).send_at is not None


def test_broadcast_at_a_time_without_offset_is_taken_in_the_default_zone(env, cli) -> None:
    moment = (datetime.now(UTC) + timedelta(days=2)).astimezone().strftime("%Y-%m-%d") + "T09:00"
    code, out, _ = cli("broadcast", "nna", "--at", moment, "--json")
    assert code == 0
    assert json.loads(out)["send_at"].endswith("T15:00:00+00:00")  # 09:00 in Mexico City


def test_broadcast_dry_run_lists_sends_and_stores_nothing(env, cli) -> None:
    code, out, _ = cli("broadcast", "trato-digno", "--now", "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] is True
    assert sorted(s["officer_id"] for s in data["sends"]) == [1, 2, 3]
    assert outbox.list_campaigns(env.db) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("broadcast", "nope", "--now"), "unknown card 'nope'"),
        (("broadcast", "nna", "--at", "mañana"), "is not an ISO 8601 time"),
        (("broadcast", "nna", "--at", "2020-01-01T09:00"), "is in the past"),
        (("broadcast", "nna", "--now", "--segment", "region=centro"), "no active officer"),
        (("broadcast", "nna", "--now", "--segment", "zona=norte"), "unknown key 'zona'"),
        (("broadcast", "nna"), "exactly one of --now or --at"),
        (("broadcast", "nna", "--now", "--at", "2030-01-01T09:00"), "exactly one of"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "lunes-x",
          "--time", "9"), "is not a time of day"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "xyz",
          "--time", "09:00"), "is not a weekday"),
        (("campaign", "create", "--name", "x", "--cards", "nna,zzz", "--day", "mon",
          "--time", "09:00"), "unknown card 'zzz'"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "mon",
          "--time", "09:00", "--start", "2027-02-01", "--end", "2027-01-01"), "is before"),
        (("campaign", "pause", "99"), "no campaign with id 99"),
        (("broadcast", "nna", "--now", "--preview", "1"), "comms or admin users only"),
    ],
)
def test_bad_input_gives_one_line_and_a_non_zero_exit(env, cli, args, message) -> None:
    code, out, err = cli(*args)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


HUGE = "1" + "0" * 24


def test_a_broadcast_says_who_waits_for_the_end_of_quiet_hours(env, cli) -> None:
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    code, out, err = cli("broadcast", "nna", "--at", f"{day}T23:30", "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "broadcast"  # stdout stays pure JSON
    assert "note: 3 of 3 recipients are in quiet hours" in err and "--urgent" in err
    code, _, err = cli("broadcast", "nna", "--at", f"{day}T23:30", "--urgent")
    assert code == 0 and "quiet hours" not in err
    code, _, err = cli("broadcast", "nna", "--at", f"{day}T12:00")
    assert code == 0 and "quiet hours" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("broadcast", "nna", "--at", "2030-12-01"), "has no time of day: add one"),
        (("broadcast", "nna", "--at", "2030-02-30T09:00"), "there is no such day"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "mon", "--time",
          "09:00", "--start", "2030-02-30"), "there is no such day"),
        (("broadcast", "nna", "--now", "--dry-run", "--preview", "3"), "not both"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "mon", "--time",
          "09:00", "--dry-run", "--preview", "3"), "not both"),
        (("campaign", "create", "--name", "x", "--cards", "nna", "--day", "mon", "--time",
          "09:00", "--ack-days", HUGE), "--ack-days"),
        (("campaign", "show", HUGE), "CAMPAIGN_ID"),
        (("campaign", "preview", "1", "--to", HUGE), "--to"),
        (("broadcast", "nna", "--now", "--preview", HUGE), "--preview"),
        (("broadcast", "nna", "--now", "--preview", "3"), "PREGONERO_API_URL=http://127.0.0.1"),
    ],
)
def test_wrong_dates_conflicting_flags_and_huge_numbers_are_one_line_and_store_nothing(
        env, cli, args, message) -> None:
    code, out, err = cli(*args)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
    assert "Traceback" not in err
    assert outbox.list_campaigns(env.db) == []


def test_campaign_create_list_show_pause_resume_cancel(env, cli) -> None:
    code, out, err = cli("campaign", "create", "--name", "Buenas prácticas norte",
                         "--cards", "trato-digno,nna", "--day", "mon", "--time", "09:00",
                         "--segment", "region=norte role=officer", "--mode", "in-progress",
                         "--json")
    assert code == 0, err
    created = json.loads(out)
    cid = created["id"]
    assert created["items"] == ["trato-digno", "nna"] and created["mode"] == "in_progress"
    assert created["day"] == "mon" and created["next_send"]

    listed = json.loads(cli("campaign", "list", "--json").out)
    assert [c["id"] for c in listed] == [cid]
    shown = json.loads(cli("campaign", "show", str(cid), "--dry-run", "--json").out)
    assert [s["officer_id"] for s in shown["sends"]] == [1]

    assert json.loads(cli("campaign", "pause", str(cid), "--json").out)["status"] == "paused"
    assert cli("campaign", "pause", str(cid)).code == 1  # already paused
    assert json.loads(cli("campaign", "resume", str(cid), "--json").out)["status"] == "active"
    code, out, _ = cli("campaign", "cancel", str(cid))
    assert code == 0 and "cancelled" in out
    assert json.loads(cli("campaign", "list", "--json").out) == []
    assert len(json.loads(cli("campaign", "list", "--all", "--json").out)) == 1


def test_campaign_create_dry_run_stores_nothing(env, cli) -> None:
    code, out, _ = cli("campaign", "create", "--name", "x", "--cards", "nna",
                       "--day", "wed", "--time", "10:30", "--dry-run")
    assert code == 0
    assert len(out.strip().splitlines()) == 3
    assert outbox.list_campaigns(env.db) == []


def test_plain_output_is_readable(env, cli) -> None:
    code, out, _ = cli("broadcast", "nna", "--now")
    assert code == 0 and out.startswith("broadcast 1 scheduled: nna to everyone")
    code, out, _ = cli("campaign", "list")
    assert "broadcast" in out and "scheduled" in out


def test_a_drip_series_given_a_past_start_starts_today_so_no_first_card_is_skipped(
        env, cli) -> None:
    last_year = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%d")
    args = ("campaign", "create", "--name", "x", "--cards", "nna", "--day", "mon",
            "--time", "09:00", "--start", last_year, "--json")
    code, out, err = cli(*args)
    assert code == 0, err
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Mexico_City")).date().isoformat()
    assert json.loads(out)["start_date"] == today
    from bot.delivery.scheduler import plan_due

    plan_due(env.db, datetime.now(UTC))  # what the running engine does next
    rows = outbox.outbox_rows(env.db, campaign_id=json.loads(out)["id"])
    assert not [r for r in rows if r["status"] == "skipped"]
    code, out, _ = cli(*args, "--mode", "in-progress")
    assert code == 0 and json.loads(out)["start_date"] == last_year  # sets the current card


def test_campaign_preview_without_a_token_names_its_own_option(env, cli) -> None:
    code, out, err = cli("campaign", "create", "--name", "x", "--cards", "nna",
                         "--day", "mon", "--time", "09:00", "--json")
    assert code == 0, err
    campaign_id = str(json.loads(out)["id"])
    code, out, err = cli("campaign", "preview", campaign_id, "--to", "3")
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert err.startswith("pregonero: --to sends a preview") and "--preview" not in err, err
    code, out, err = cli("campaign", "preview", campaign_id, "--to", "1")
    assert "--to 1: previews go to comms or admin users only" in err
