"""Aggregate figures on a seeded store, and `pregonero stats` through the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.store import stats
from bot.store.stats import Filters
from tests.stats_seed import NOW, W10, seed


@pytest.fixture
def seeded(store):
    seed(store.db)
    return store


def test_totals_count_people_by_status_and_events_by_kind(seeded):
    t = stats.totals(seeded.db)
    assert (t["enrolled"], t["active"], t["left"], t["blocked"]) == (14, 13, 1, 0)
    assert (t["queries"], t["zero_result_queries"]) == (22, 6)
    assert (t["cards_opened"], t["useful"], t["not_useful"]) == (19, 3, 3)
    assert (t["delivered"], t["failed"], t["delivery_blocked"]) == (33, 1, 1)
    assert t["acknowledgements"] == 4
    assert t["quiz_correct_share"] == 0.5
    assert t["useful_share"] == 0.5
    assert t["zero_result_share"] == round(6 / 22, 4)


def test_totals_follow_region_and_period_filters(seeded):
    t = stats.totals(seeded.db, Filters(region="sur", since=W10.replace(day=9)))
    assert t["enrolled"] == 3
    assert t["queries"] == 2  # weeks 11 and 12 only
    assert t["cards_opened"] == 2


def test_totals_of_an_empty_store_are_zero_with_no_shares(store):
    t = stats.totals(store.db)
    assert t["enrolled"] == 0 and t["queries"] == 0
    assert t["useful_share"] is None and t["quiz_correct_share"] is None


def test_weekly_report_has_a_row_per_week_and_region_in_iso_weeks(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    weeks = sorted({r["week"] for r in rows})
    assert weeks == ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]
    raw = stats.weekly(seeded.db, Filters(), now=NOW, by_region=True)
    norte10 = stats.suppress(next(r for r in raw
                                  if r["week"] == "2026-W10" and r["region"] == "norte"))
    assert norte10 == {
        "week": "2026-W10", "week_start": "2026-03-02", "region": "norte",
        "officers_enrolled": 6, "officers_active": 5,
        "reminders_delivered": 5, "opens": 5, "useful": 1, "not_useful": 1, "queries": 6,
        "zero_result": 1, "quiz_correct_share": 0.5, "acks": 3,
    }
    # In the export, sur (1 active person, hidden) is the only other region active that
    # week: norte's activity is blanked too, or the week's total minus norte would give sur.
    shown = next(r for r in rows if r["week"] == "2026-W10" and r["region"] == "norte")
    assert shown["officers_active"] == 5 and shown["reminders_delivered"] == 5
    assert shown["opens"] == shown["queries"] == shown["acks"] == ""


def test_each_weekly_row_carries_its_weeks_monday_for_spreadsheets(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    assert stats.WEEKLY_COLUMNS[:3] == ["week", "week_start", "region"]
    w10 = next(r for r in rows if r["week"] == "2026-W10")
    assert w10["week_start"] == "2026-03-02"


def test_a_since_inside_a_week_reports_that_whole_week_not_a_silent_part_of_it(seeded):
    full = {(r["week"], r["region"]): r for r in stats.weekly_report(seeded.db, Filters(),
                                                                      now=NOW)}
    tuesday = W10.replace(hour=0) + timedelta(days=8)  # Tuesday of week 11
    part = stats.weekly_report(seeded.db, Filters(since=tuesday), now=NOW)
    assert part[0]["week"] == "2026-W11"
    for row in part:
        assert row == full[(row["week"], row["region"])]


def test_an_officer_who_left_counts_until_the_week_they_left(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    norte = {r["week"]: r["officers_enrolled"] for r in rows if r["region"] == "norte"}
    assert norte["2026-W11"] == 6 and norte["2026-W12"] == 5


def test_a_region_under_five_officers_is_suppressed_with_its_dependent_cells_blank(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    sur = [r for r in rows if r["region"] == "sur"]
    assert sur
    for r in sur:
        assert r["officers_enrolled"] == "<5"
        after = stats.WEEKLY_COLUMNS.index("officers_enrolled") + 1
        assert all(r[c] == "" for c in stats.WEEKLY_COLUMNS[after:])
        assert r["week_start"]  # the week's Monday stays: rows remain datable


def test_fewer_than_five_active_officers_hide_what_they_did(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    centro11 = next(r for r in rows if r["week"] == "2026-W11" and r["region"] == "centro")
    assert centro11["officers_enrolled"] == 5
    assert centro11["officers_active"] == "<5"
    assert centro11["queries"] == "" and centro11["opens"] == ""
    assert centro11["reminders_delivered"] == 3


def test_weekly_trend_has_every_week_even_without_events(seeded):
    rows = stats.weekly(seeded.db, Filters(region="sur"), now=NOW)
    assert [r["week"] for r in rows] == ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]
    assert [r["queries"] for r in rows] == [0, 1, 1, 1]


def test_the_weekly_trend_adds_up_every_region(seeded):
    rows = stats.weekly(seeded.db, Filters(), now=NOW)
    w10 = next(r for r in rows if r["week"] == "2026-W10")
    assert (w10["reminders_delivered"], w10["queries"], w10["opens"]) == (11, 7, 6)
    assert w10["officers_active"] == 7 and w10["officers_enrolled"] == 14


def test_reach_shows_the_latest_reminder_with_delivered_failed_and_blocked(seeded):
    (item,) = stats.reach(seeded.db)
    assert (item["campaign_id"], item["card_id"]) == (1, "trato-digno")
    assert (item["delivered"], item["failed"], item["blocked"]) == (33, 1, 1)
    assert item["opened"] == 15
    assert item["reach_share"] == round(33 / 35, 4)


def test_a_send_that_reached_fewer_than_five_shows_its_reach_but_not_what_they_did(seeded):
    from bot.store import events
    from bot.store.events import Event, EventType

    for pid in (300, 301, 302):  # a broadcast to a port of three people
        for kind, value in ((EventType.DELIVERED, None), (EventType.CARD_OPENED, None),
                            (EventType.FEEDBACK, "useful")):
            events.record(seeded.db, Event(kind, W10 + timedelta(days=2), officer_id=pid,
                                           card_id="asilo", campaign_id=9, value=value))
    small = next(r for r in stats.reach(seeded.db) if r["campaign_id"] == 9)
    assert small["delivered"] == 3
    assert (small["opened"], small["useful"], small["useful_share"]) == ("<5", "<5", None)
    (item,) = stats.campaign_items(seeded.db, 9)
    assert (item["delivered"], item["opened"], item["useful"]) == (3, "<5", "<5")
    assert item["useful_share"] is None and item["quiz_correct_share"] is None
    big = next(r for r in stats.reach(seeded.db) if r["campaign_id"] == 1)
    assert big["opened"] == 15  # 33 people reached: their figures stay


def test_acknowledgements_give_the_share_and_who_has_not_yet_acknowledged_per_region(seeded):
    (sop,) = stats.acknowledgements(seeded.db)
    assert (sop["card_id"], sop["version"]) == ("nna", "abc")
    assert (sop["acknowledged"], sop["audience"]) == (4, 13)
    assert sop["pending"] == [
        {"region": "centro", "not_acknowledged": 5},
        {"region": "norte", "not_acknowledged": 2},
        {"region": "sur", "not_acknowledged": "<5"},  # 3 active people: how many is hidden
    ]


def test_zero_result_queries_are_grouped_ignoring_case_spacing_and_word_order(seeded):
    gaps = stats.zero_result_queries(seeded.db)
    assert gaps[0]["count"] == 5
    assert gaps[0]["query"] == "visa humanitaria"
    assert [g["count"] for g in gaps] == [5]  # "comar cita", asked once, is not listed
    assert all(g["query"] != "nna" for g in gaps)


def test_cards_rated_not_useful_are_listed_most_often_first(seeded):
    from bot.store import events
    from bot.store.events import Event, EventType

    assert stats.not_useful_cards(seeded.db) == []  # one person's ratings: not shown
    for pid in (102, 103, 104, 200):
        events.record(seeded.db, Event(EventType.FEEDBACK, W10, officer_id=pid,
                                       card_id="nna", value="not_useful"))
    assert stats.not_useful_cards(seeded.db) == [
        {"card_id": "nna", "not_useful": 7, "useful": 0}
    ]


def test_card_usage_gives_opens_and_useful_share_per_card(seeded):
    usage = {u["card_id"]: u for u in stats.card_usage(seeded.db)}
    assert usage["trato-digno"]["opens"] == 15
    assert usage["trato-digno"]["useful_share"] == 1.0
    assert usage["nna"]["useful_share"] == 0.0


def test_officer_breakdown_counts_people_by_region(seeded):
    rows = {r["value"]: r for r in stats.officer_breakdown(seeded.db, "region")}
    assert rows["norte"]["enrolled"] == 6 and rows["norte"]["left"] == 1
    assert rows["sur"]["active"] == 3
    with pytest.raises(ValueError):
        stats.officer_breakdown(seeded.db, "id")


def test_stats_json_prints_the_totals_the_contract_names(seeded, cli):
    result = cli("stats", "--json")
    assert result.code == 0, result.out
    data = json.loads(result.out)
    for key in ("enrolled", "active", "queries", "zero_result_queries", "cards_opened",
                "useful", "not_useful", "left", "blocked", "delivered", "acknowledgements",
                "quiz_correct_share"):
        assert key in data
    assert data["queries"] == 22


def test_stats_since_limits_the_period(seeded, cli):
    data = json.loads(cli("stats", "--since", "2026-03-16", "--json").out)
    assert data["since"] == "2026-03-16T00:00:00+00:00"
    assert data["delivered"] == 11


def test_stats_csv_prints_weekly_rows_per_region_with_suppression(seeded, cli):
    result = cli("stats", "--csv")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == stats.WEEKLY_COLUMNS
    assert {r["officers_enrolled"] for r in rows if r["region"] == "sur"} == {"<5"}


def test_stats_with_a_bad_date_says_so_in_one_line(seeded, cli):
    result = cli("stats", "--since", "yesterday")
    assert result.code == 1
    err = result.err
    assert err.strip().count("\n") == 0
    assert "YYYY-MM-DD" in err


def test_stats_plain_output_is_a_readable_table(seeded, cli):
    result = cli("stats")
    assert "officers enrolled" in result.out and "14" in result.out
