"""One planning pass: turn what is due in the campaigns into outbox rows.

`plan_due(db, now)` runs on the store's worker thread (the engine calls it every few seconds).
It is cheap when nothing is due: a series is only expanded into per-officer rows when one of
its time zones reaches an occurrence that has not been planned yet (marks per campaign and
zone), and a broadcast once, when its time comes. Re-running it never duplicates a row
(UNIQUE(officer, item key) in the outbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.delivery.acks import DEFAULT_ACK_DAYS, reask_sends, reminder_sends
from bot.delivery.planner import (
    GRACE,
    Recipient,
    latest_occurrence,
    plan_broadcast,
    plan_series,
    series_finished,
)
from bot.delivery.timezones import QUIET, QuietHours
from bot.store import delivery as store
from bot.store import officers


@dataclass
class PlanReport:
    planned: int = 0  # new outbox rows
    skipped: int = 0  # rows that missed the grace window
    campaigns: int = 0  # campaigns expanded in this pass


def plan_acks(db: Database, now: datetime, *, quiet: QuietHours = QUIET,
              default_days: int = DEFAULT_ACK_DAYS) -> int:
    """Queue SOP re-asks after a version change and reminders of unacknowledged SOPs."""
    sends = reask_sends(store.stale_acks(db), now, quiet=quiet)
    sends += reminder_sends(store.unacknowledged(db, now=now, default_days=default_days),
                            now, quiet=quiet)
    return store.save_plan(db, sends, now=now) if sends else 0


def plan_due(db: Database, now: datetime, *, grace: timedelta = GRACE,
             quiet: QuietHours = QUIET, acks: bool = True) -> PlanReport:
    report = PlanReport()
    if acks:
        report.planned += plan_acks(db, now, quiet=quiet)

    def everyone() -> Iterator[Recipient]:
        """Streamed afresh for each campaign: 100,000 officers are never all in memory."""
        return store.iter_recipients(db)

    for campaign in store.due_broadcasts(db, now):
        sends = plan_broadcast(campaign, everyone(), now, grace=grace, quiet=quiet)
        report.planned += store.save_plan(db, sends, now=now, campaign_id=campaign.id,
                                          broadcast_planned=True)
        report.campaigns += 1

    zones: list[str] | None = None
    for campaign in store.list_campaigns(db, kind="series", statuses=["active"]):
        if series_finished(campaign, now):
            store.set_campaign_status(db, campaign.id, "done")
            continue
        state = store.series_state(db, campaign.id)
        if zones is None:
            zones = officers.active_timezones(db)
        due = [tz for tz in zones
               if (day := latest_occurrence(campaign, tz, now)) is not None
               and state.marks.get(tz, "") < day.isoformat()]
        if not due:
            continue
        plan = plan_series(campaign, everyone(), state.progress, state.marks, now, grace=grace,
                           quiet=quiet)
        report.planned += store.save_plan(db, plan.sends, now=now, campaign_id=campaign.id,
                                          progress=plan.progress, marks=plan.marks)
        report.campaigns += 1

    report.skipped = store.skip_missed(db, before=now - grace, now=now)
    store.finish_broadcasts(db)
    return report
