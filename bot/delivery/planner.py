"""Who gets what, when: pure decisions over campaigns, recipients and `now`.

Nothing here reads the clock or the store. The engine loads campaigns and recipients, asks the
planner what is due, and writes the answer into the outbox, whose UNIQUE(officer, item key)
makes planning the same thing twice harmless.

Weekly series. An occurrence is a local date with the series' weekday, from the start date to
the end date, at the series' local time in the officer's time zone. Each time zone's latest
occurrence is planned once (the engine keeps a mark per campaign and zone). In "in-progress"
mode the officer gets the item of the series' current week; in "drip" mode the next item of
their own progress, so everyone starts from the first card whenever they join.

Quiet hours (21:00-07:00 local by default): a send due inside them waits for their end, unless
the campaign is urgent. Grace window: a send whose time is more than `grace` in the past (the
bot was down) is recorded as skipped instead of being sent late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.delivery import segments
from bot.delivery.timezones import (
    QUIET,
    QuietHours,
    after_quiet_hours,
    at_local,
    local,
    parse_hhmm,
)
from bot.store.delivery import Campaign, Recipient, Send

GRACE = timedelta(hours=6)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class SeriesPlan:
    sends: list[Send] = field(default_factory=list)
    progress: dict[int, int] = field(default_factory=dict)  # officer -> next position
    marks: dict[str, str] = field(default_factory=dict)  # tz -> occurrence date planned


def item_key(campaign_id: int, position: int) -> str:
    return f"c{campaign_id}:{position}"


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def first_occurrence(campaign: Campaign) -> date:
    start = _date(campaign.start_date)
    assert start is not None and campaign.weekday is not None
    return start + timedelta(days=(campaign.weekday - start.weekday()) % 7)


def week_index(campaign: Campaign, day: date) -> int:
    """0 for the series' first occurrence, 1 for the next week..."""
    return (day - first_occurrence(campaign)).days // 7


def occurrence_instant(campaign: Campaign, day: date, tz: str) -> datetime:
    return at_local(day, parse_hhmm(campaign.local_time or "09:00"), tz)


def latest_occurrence(campaign: Campaign, tz: str, now: datetime) -> date | None:
    """The latest occurrence date in `tz` whose local time has come, or None."""
    first = first_occurrence(campaign)
    end = _date(campaign.end_date)
    day = local(now, tz).date()
    day -= timedelta(days=(day.weekday() - first.weekday()) % 7)
    if occurrence_instant(campaign, day, tz) > now:
        day -= timedelta(days=7)
    if day < first:
        return None
    if end is not None and day > end:
        day = end - timedelta(days=(end.weekday() - first.weekday()) % 7)
        if day < first:
            return None
    return day


def next_occurrence(campaign: Campaign, tz: str, now: datetime) -> date | None:
    """The first occurrence date in `tz` whose local time is still to come, or None."""
    latest = latest_occurrence(campaign, tz, now)
    day = first_occurrence(campaign) if latest is None else latest + timedelta(days=7)
    end = _date(campaign.end_date)
    if end is not None and day > end:
        return None
    if campaign.weekday is not None and week_index(campaign, day) >= len(campaign.items) and (
        campaign.mode == "in_progress"
    ):
        return None
    return day


def due_time(due: datetime, tz: str, campaign: Campaign, quiet: QuietHours) -> datetime:
    return due if campaign.urgent else after_quiet_hours(due, tz, quiet)


def _send(officer: int, key: str, card: str, kind: str, due: datetime, campaign: Campaign,
          now: datetime, grace: timedelta) -> Send:
    missed = now - due > grace
    return Send(officer, key, card, kind, due, campaign.id,
                status="skipped" if missed else "pending",
                reason="missed: past the grace window" if missed else None)


def eligible(campaign: Campaign, recipients: Iterable[Recipient],
             *, reminders: bool) -> Iterator[Recipient]:
    """Recipients in the campaign's segment; for reminders, those who did not pause them.
    A generator: the recipients can be streamed from the database, never all in memory."""
    seg = segments.parse(campaign.segment)
    if seg.is_everyone:
        return (r for r in recipients if not (reminders and r.reminders_paused))
    return (r for r in recipients if seg.matches(r) and not (reminders and r.reminders_paused))


def plan_series(
    campaign: Campaign,
    recipients: Iterable[Recipient],
    progress: Mapping[int, int],
    marks: Mapping[str, str],
    now: datetime,
    *,
    grace: timedelta = GRACE,
    quiet: QuietHours = QUIET,
) -> SeriesPlan:
    """The sends of each time zone's latest occurrence not planned yet.

    One pass over `recipients` (which may be a stream): each time zone's occurrence is worked
    out the first time one of its officers comes by, and only the sends are kept.
    """
    plan = SeriesPlan()
    if campaign.kind != "series" or campaign.status != "active" or not campaign.items:
        return plan
    # what differs between officers is only the id and (drip) the position: the rest of each
    # Send is made once per zone and position (100,000 officers per pass)
    zones: dict[str, tuple[int, tuple[object, ...]] | None] = {}
    made: dict[int, tuple[str, str]] = {}
    drip = campaign.mode == "drip"
    items = campaign.items
    sends, make = plan.sends.append, tuple.__new__
    next_position = plan.progress
    for r in eligible(campaign, recipients, reminders=True):
        tz = r.timezone
        try:
            zone = zones[tz]
        except KeyError:
            zone = zones[tz] = _zone(campaign, tz, marks, now, grace, quiet, plan.marks)
        if zone is None:
            continue
        week, rest = zone
        position = progress.get(r.id, 0) if drip else week
        if position >= len(items):
            continue
        if drip:
            next_position[r.id] = position + 1
        ref = made.get(position)
        if ref is None:
            ref = made[position] = (item_key(campaign.id, position), items[position])
        sends(make(Send, (r.id, ref[0], ref[1], *rest)))
    return plan


def _zone(campaign: Campaign, tz: str, marks: Mapping[str, str], now: datetime,
          grace: timedelta, quiet: QuietHours,
          planned: dict[str, str]) -> tuple[int, tuple[object, ...]] | None:
    """A zone's due occurrence not planned yet: (week index, the Send fields after the card),
    recording it in `planned`; None when the zone has nothing due."""
    day = latest_occurrence(campaign, tz, now)
    if day is None or (marks.get(tz) or "") >= day.isoformat():
        return None
    planned[tz] = day.isoformat()
    due = due_time(occurrence_instant(campaign, day, tz), tz, campaign, quiet)
    return week_index(campaign, day), _send(0, "", "", "reminder", due, campaign, now, grace)[3:]


def plan_broadcast(
    campaign: Campaign,
    recipients: Iterable[Recipient],
    now: datetime,
    *,
    grace: timedelta = GRACE,
    quiet: QuietHours = QUIET,
) -> list[Send]:
    """One send per recipient of the segment, at the broadcast's time or after quiet hours."""
    if campaign.kind != "broadcast" or not campaign.items or campaign.send_at is None:
        return []
    at = datetime.fromisoformat(campaign.send_at)
    key, card = item_key(campaign.id, 0), campaign.items[0]
    rests: dict[str, tuple[object, ...]] = {}  # per time zone: the fields after the officer
    sends: list[Send] = []
    add, make = sends.append, tuple.__new__
    for r in eligible(campaign, recipients, reminders=False):
        rest = rests.get(r.timezone)
        if rest is None:
            due = due_time(at, r.timezone, campaign, quiet)
            rest = rests[r.timezone] = _send(0, key, card, "broadcast", due, campaign, now,
                                             grace)[1:]
        add(make(Send, (r.id, *rest)))
    return sends


def upcoming(
    campaign: Campaign,
    recipients: Iterable[Recipient],
    progress: Mapping[int, int],
    now: datetime,
    *,
    quiet: QuietHours = QUIET,
) -> list[Send]:
    """What the next send of a campaign would be for each recipient (the dry run)."""
    if campaign.kind == "broadcast":
        return plan_broadcast(campaign, recipients, min(now, _at(campaign) or now), quiet=quiet)
    sends = []
    for r in eligible(campaign, recipients, reminders=True):
        day = next_occurrence(campaign, r.timezone, now)
        if day is None:
            continue
        position = progress.get(r.id, 0) if campaign.mode == "drip" else week_index(campaign,
                                                                                    day)
        if position >= len(campaign.items):
            continue
        due = due_time(occurrence_instant(campaign, day, r.timezone), r.timezone, campaign,
                       quiet)
        sends.append(Send(r.id, item_key(campaign.id, position), campaign.items[position],
                          "reminder", due, campaign.id))
    return sends


def _at(campaign: Campaign) -> datetime | None:
    return datetime.fromisoformat(campaign.send_at) if campaign.send_at else None


def series_finished(campaign: Campaign, now: datetime) -> bool:
    """True when the end date has passed everywhere on Earth."""
    end = _date(campaign.end_date)
    return end is not None and local(now, "Etc/GMT+12").date() > end
