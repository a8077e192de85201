"""The planner decides who gets what and when, from campaigns, recipients and a given `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.planner import (
    Campaign,
    Recipient,
    latest_occurrence,
    next_occurrence,
    occurrence_instant,
    plan_broadcast,
    plan_series,
    upcoming,
)
from bot.delivery.timezones import NO_QUIET, QuietHours, after_quiet_hours, at_local


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def series(**kw) -> Campaign:
    base = dict(id=1, kind="series", name="Buenas prácticas", status="active", segment="",
                items=("a", "b", "c"), weekday=0, local_time="09:00", mode="drip",
                start_date="2026-01-01", end_date=None)
    base.update(kw)
    return Campaign(**base)


def officer(i: int, tz: str = "America/Mexico_City", **kw) -> Recipient:
    base = dict(id=i, role="officer", region="norte", port=None, language="es", timezone=tz)
    base.update(kw)
    return Recipient(**base)


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        ("America/Tijuana", utc(2026, 3, 2, 17), utc(2026, 3, 9, 16)),
        ("America/Matamoros", utc(2026, 3, 2, 15), utc(2026, 3, 9, 14)),
        ("America/Ciudad_Juarez", utc(2026, 3, 2, 16), utc(2026, 3, 9, 15)),
        ("America/Mexico_City", utc(2026, 3, 2, 15), utc(2026, 3, 9, 15)),
    ],
)
def test_monday_nine_stays_nine_local_across_the_march_change(tz, before, after) -> None:
    c = series()
    assert occurrence_instant(c, before.date(), tz) == before
    assert occurrence_instant(c, after.date(), tz) == after


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        ("America/Tijuana", utc(2026, 10, 26, 16), utc(2026, 11, 2, 17)),
        ("America/Matamoros", utc(2026, 10, 26, 14), utc(2026, 11, 2, 15)),
        ("America/Ciudad_Juarez", utc(2026, 10, 26, 15), utc(2026, 11, 2, 16)),
        ("America/Mexico_City", utc(2026, 10, 26, 15), utc(2026, 11, 2, 15)),
    ],
)
def test_monday_nine_stays_nine_local_across_the_november_change(tz, before, after) -> None:
    c = series()
    assert occurrence_instant(c, before.date(), tz) == before
    assert occurrence_instant(c, after.date(), tz) == after


def test_a_wall_time_skipped_by_spring_forward_moves_forward() -> None:
    assert at_local(datetime(2026, 3, 8).date(), datetime(2026, 3, 8, 2, 30).time(),
                    "America/Tijuana") == utc(2026, 3, 8, 10, 30)


def test_the_latest_occurrence_is_the_last_weekday_whose_local_time_has_come() -> None:
    c = series()
    tz = "America/Tijuana"
    assert latest_occurrence(c, tz, utc(2026, 3, 9, 15, 59)).isoformat() == "2026-03-02"
    assert latest_occurrence(c, tz, utc(2026, 3, 9, 16)).isoformat() == "2026-03-09"
    assert next_occurrence(c, tz, utc(2026, 3, 9, 16)).isoformat() == "2026-03-16"


def test_nothing_is_due_before_the_start_date_or_after_the_end_date() -> None:
    c = series(start_date="2026-03-04", end_date="2026-03-20")
    tz = "America/Mexico_City"
    assert latest_occurrence(c, tz, utc(2026, 3, 5)) is None
    assert latest_occurrence(c, tz, utc(2026, 4, 30)).isoformat() == "2026-03-16"
    assert next_occurrence(c, tz, utc(2026, 4, 30)) is None


def test_drip_gives_each_officer_their_next_item_and_advances_their_progress() -> None:
    c = series()
    now = utc(2026, 3, 9, 15, 1)
    plan = plan_series(c, [officer(1), officer(2)], {1: 2}, {}, now)
    got = {(s.officer_id, s.card_id, s.item_key) for s in plan.sends}
    assert got == {(1, "c", "c1:2"), (2, "a", "c1:0")}
    assert plan.progress == {1: 3, 2: 1}
    assert plan.marks == {"America/Mexico_City": "2026-03-09"}
    assert all(s.due_at == utc(2026, 3, 9, 15) for s in plan.sends)


def test_an_officer_who_finished_the_series_gets_nothing_more() -> None:
    plan = plan_series(series(), [officer(1)], {1: 3}, {}, utc(2026, 3, 9, 15, 1))
    assert plan.sends == []


def test_in_progress_mode_gives_everyone_the_current_week_item() -> None:
    c = series(mode="in_progress", start_date="2026-02-23")  # a Monday: week 0
    plan = plan_series(c, [officer(1), officer(2)], {1: 0}, {}, utc(2026, 3, 9, 15, 1))
    assert {s.card_id for s in plan.sends} == {"c"}
    assert plan.progress == {}


def test_an_occurrence_already_planned_for_a_zone_is_not_planned_again() -> None:
    now = utc(2026, 3, 9, 15, 1)
    plan = plan_series(series(), [officer(1)], {}, {"America/Mexico_City": "2026-03-09"}, now)
    assert plan.sends == []


def test_each_zone_is_due_at_its_own_local_time() -> None:
    people = [officer(1), officer(2, "America/Tijuana")]
    early = plan_series(series(), people, {}, {}, utc(2026, 3, 9, 15, 30))
    # Tijuana's occurrence of today is not due yet: its latest one is last week's
    assert {(s.officer_id, s.due_at) for s in early.sends} == {
        (1, utc(2026, 3, 9, 15)), (2, utc(2026, 3, 2, 17))}
    later = plan_series(series(), people, {}, early.marks, utc(2026, 3, 9, 16, 30))
    assert [(s.officer_id, s.due_at) for s in later.sends] == [(2, utc(2026, 3, 9, 16))]


def test_paused_officers_and_other_segments_get_no_reminder() -> None:
    c = series(segment="region=norte")
    people = [officer(1, reminders_paused=True), officer(2, region="sur"), officer(3)]
    plan = plan_series(c, people, {}, {}, utc(2026, 3, 9, 15, 1))
    assert [s.officer_id for s in plan.sends] == [3]


def test_paused_or_cancelled_series_plan_nothing() -> None:
    for status in ("paused", "cancelled"):
        assert plan_series(series(status=status), [officer(1)], {}, {},
                           utc(2026, 3, 9, 15, 1)).sends == []


def test_a_send_missed_for_longer_than_the_grace_window_is_skipped() -> None:
    c = series()
    inside = plan_series(c, [officer(1)], {}, {}, utc(2026, 3, 9, 20))
    outside = plan_series(c, [officer(1)], {}, {}, utc(2026, 3, 9, 21, 1))
    assert inside.sends[0].status == "pending"
    assert outside.sends[0].status == "skipped"
    assert outside.sends[0].reason.startswith("missed")
    assert plan_series(c, [officer(1)], {}, {}, utc(2026, 3, 9, 21, 1),
                       grace=timedelta(hours=12)).sends[0].status == "pending"


def test_quiet_hours_delay_a_send_to_seven_local() -> None:
    tz = "America/Mexico_City"  # UTC-6
    assert after_quiet_hours(utc(2026, 3, 10, 4), tz) == utc(2026, 3, 10, 13)  # 22:00 -> 07:00
    assert after_quiet_hours(utc(2026, 3, 10, 10), tz) == utc(2026, 3, 10, 13)  # 04:00 -> 07:00
    assert after_quiet_hours(utc(2026, 3, 10, 14), tz) == utc(2026, 3, 10, 14)  # 08:00 stays
    assert after_quiet_hours(utc(2026, 3, 10, 4), tz, NO_QUIET) == utc(2026, 3, 10, 4)
    custom = QuietHours(datetime(2026, 1, 1, 22).time(), datetime(2026, 1, 1, 6).time())
    assert after_quiet_hours(utc(2026, 3, 10, 3, 30), tz, custom) == utc(2026, 3, 10, 3, 30)


def test_a_broadcast_in_quiet_hours_waits_per_officer_unless_urgent() -> None:
    c = Campaign(id=7, kind="broadcast", name="aviso", status="scheduled", segment="",
                 items=("a",), send_at="2026-03-10T04:30:00+00:00")
    people = [officer(1), officer(2, "America/Cancun")]  # 22:30 in CDMX, 23:30 in Cancún
    sends = {s.officer_id: s for s in plan_broadcast(c, people, utc(2026, 3, 10, 4, 30))}
    assert sends[1].due_at == utc(2026, 3, 10, 13)
    assert sends[2].due_at == utc(2026, 3, 10, 12)
    assert {s.item_key for s in sends.values()} == {"c7:0"}
    urgent = Campaign(**{**c.__dict__, "urgent": True})
    assert {s.due_at for s in plan_broadcast(urgent, people, utc(2026, 3, 10, 4, 30))} == {
        utc(2026, 3, 10, 4, 30)}


def test_a_series_time_inside_quiet_hours_is_sent_when_they_end() -> None:
    c = series(local_time="22:00")
    plan = plan_series(c, [officer(1)], {}, {}, utc(2026, 3, 10, 13))
    assert plan.sends[0].due_at == utc(2026, 3, 10, 13)


def test_the_dry_run_lists_the_next_send_of_each_recipient() -> None:
    got = upcoming(series(), [officer(1), officer(2, "America/Tijuana")], {2: 1},
                   utc(2026, 3, 9, 15, 30))
    assert {(s.officer_id, s.card_id, s.due_at) for s in got} == {
        (1, "a", utc(2026, 3, 16, 15)), (2, "b", utc(2026, 3, 9, 16))}


def _many_officers(store, n: int, zones: tuple[str, ...]) -> None:
    rows = ({"id": i, "language": "es", "role": "officer", "region": "norte", "port": None,
             "timezone": zones[i % len(zones)], "status": "active", "reminders_paused": 0,
             "enrolled_at": "2026-01-01T00:00:00+00:00"} for i in range(1, n + 1))
    store.db["officers"].insert_all(rows, batch_size=5000)


def test_recipients_are_streamed_in_chunks_sharing_their_repeated_texts(store, monkeypatch
                                                                         ) -> None:
    from bot.store import delivery as outbox

    _many_officers(store, 7, ("America/Mexico_City", "America/Tijuana"))
    monkeypatch.setattr(outbox, "RECIPIENT_CHUNK", 3)
    streamed = list(outbox.iter_recipients(store.db))
    assert streamed == outbox.recipients(store.db) and len(streamed) == 7
    same_zone = [r for r in streamed if r.timezone == "America/Tijuana"]
    assert all(r.timezone is same_zone[0].timezone for r in same_zone)


def test_planning_a_weekly_send_holds_a_few_hundred_bytes_per_officer(store, tmp_path) -> None:
    """10,000 officers in two zones: the pass streams them and keeps only the sends (the
    earlier pass held every officer as an object with its own texts: about 600 bytes each)."""
    import tracemalloc

    from bot.delivery import campaigns
    from bot.delivery.scheduler import plan_due
    from bot.library import import_folder
    from bot.store import delivery as outbox

    (tmp_path / "m" / "t").mkdir(parents=True)
    (tmp_path / "m" / "t" / "a.es.md").write_text(
        "---\ntitle: A\nkind: practice\n---\nTexto.\n", "utf-8")
    now = utc(2026, 3, 9, 15, 30)
    import_folder(store.db, tmp_path / "m", now)
    _many_officers(store, 10_000, ("America/Mexico_City", "America/Tijuana"))
    campaigns.add(store.db, campaigns.new_series(store.db, name="s", card_ids=["a"], day="mon",
                                                 time="09:00", start="2026-03-01", now=now))
    tracemalloc.start()
    try:
        report = plan_due(store.db, now + timedelta(hours=3), acks=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.planned == 10_000
    assert store.db.conn.execute("SELECT count(*) FROM series_progress").fetchone()[0] == 10_000
    assert peak / 10_000 < 450, f"{peak / 10_000:.0f} bytes per officer"
    assert outbox.recipients(store.db)[0].id == 1
