"""Campaigns as the comms team sees them: create, list, show, pause, resume, cancel, dry-run.

Plain functions over a sqlite-utils `Database` (the CLI calls them directly, the web app and the
chat through `store.run`). They validate what people type and raise `InvalidInput` / `NotFound`
with one-line messages; the engine of the running bot picks up what they store.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from bot.clock import iso
from bot.delivery import segments
from bot.delivery.planner import (
    WEEKDAYS,
    Campaign,
    Recipient,
    Send,
    next_occurrence,
    occurrence_instant,
    series_finished,
    upcoming,
)
from bot.delivery.timezones import QUIET, QuietHours, parse_hhmm, zone
from bot.errors import InvalidInput, NotFound
from bot.i18n import N_, gettext_for
from bot.store import cards
from bot.store import delivery as store

MODES = ("drip", "in_progress")
MAX_ACK_DAYS = 365
_DAY_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_FIRST = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")
PAST_TOLERANCE = timedelta(minutes=1)
# Dates further ahead than this are typos (9999-12-31), and near the end of the calendar
# they overflow when moved to UTC or planned week by week.
MAX_YEARS_AHEAD = 10
MIN_YEAR = 2000


def _check_year(year: int, field: str, value: str, now: datetime) -> None:
    if year > now.year + MAX_YEARS_AHEAD:
        raise CampaignInputError(_("%(field)s %(value)s is too far ahead: at most %(years)s "
                                   "years from now"), field=field, value=value,
                                 years=MAX_YEARS_AHEAD)
    if year < MIN_YEAR:
        raise CampaignInputError(_("%(field)s %(value)s is in the past (now is %(now)s)"),
                                 field=field, value=value, now=iso(now))
_ = N_  # marks the messages below for translation; CampaignInputError.localized translates
# How the web app names the command-line options that error messages mention.
FIELD_NAMES = {
    "--at": N_("Send at"), "--start": N_("Start"), "--end": N_("End"), "--day": N_("Day"),
    "--time": N_("Local time"), "--name": N_("Name"), "--mode": N_("Mode"),
    "--ack-days": N_("Reminder after (days)"),
}


class CampaignInputError(InvalidInput):
    """An `InvalidInput` that can also speak the reader's language (the web app's form).

    `str()` is the command line's English, naming options (`--at`); `localized(lang)` names
    the form's fields instead. Parameters are shown as typed (`value` quoted).
    """

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(msgid % params)

    def localized(self, lang: str) -> str:
        _ = gettext_for(lang)
        params = {k: (_(FIELD_NAMES[v]) if k in ("field", "other") and v in FIELD_NAMES else v)
                  for k, v in self.params.items()}
        return _(self.msgid) % params


class CardNotFound(NotFound, CampaignInputError):
    """An unknown card id in a campaign."""


def parse_when(text: str, *, default_tz: str, now: datetime) -> datetime:
    """An ISO 8601 time (a time without offset is taken in `default_tz`), not in the past.

    A day alone is refused (it would mean midnight, in quiet hours), and so is a day that
    does not exist (2026-02-30), each with its own message.
    """
    text = text.strip()
    if _DAY_ONLY.match(text):
        raise CampaignInputError(_("%(field)s %(value)s has no time of day: add one, e.g. "
                                   "%(example)s"), field="--at", value=repr(text),
                                 example=f"{text}T09:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        if _DAY_FIRST.match(text) and "out of range" in str(exc):
            raise CampaignInputError(_("%(field)s %(value)s: there is no such day or time"),
                                     field="--at", value=repr(text)) from None
        raise CampaignInputError(
            _("%(field)s %(value)s is not an ISO 8601 time (e.g. 2026-12-01T09:00 or "
              "2026-12-01T09:00-06:00)"), field="--at", value=repr(text)) from None
    _check_year(moment.year, "--at", repr(text), now)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(default_tz))
    moment = moment.astimezone(UTC)
    if moment < now - PAST_TOLERANCE:
        raise CampaignInputError(_("%(field)s %(value)s is in the past (now is %(now)s)"),
                                 field="--at", value=repr(text), now=iso(now))
    return moment


def parse_weekday(text: str) -> int:
    key = text.strip().lower()[:3]
    spanish = {"lun": 0, "mar": 1, "mié": 2, "mie": 2, "jue": 3, "vie": 4, "sáb": 5, "sab": 5,
               "dom": 6}
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key in spanish:
        return spanish[key]
    raise CampaignInputError(_("%(field)s %(value)s is not a weekday: use mon, tue, wed, thu, "
                               "fri, sat, sun"), field="--day", value=repr(text))


def parse_time(text: str) -> str:
    try:
        t = parse_hhmm(text)
    except ValueError:
        raise CampaignInputError(_("%(field)s %(value)s is not a time of day: use HH:MM (09:00)"),
                                 field="--time", value=repr(text)) from None
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_date(text: str, what: str, now: datetime | None = None) -> str:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        if _DAY_ONLY.match(text.strip()) and "out of range" in str(exc):
            raise CampaignInputError(_("%(field)s %(value)s: there is no such day"),
                                     field=what, value=repr(text.strip())) from None
        raise CampaignInputError(_("%(field)s %(value)s is not a date: use YYYY-MM-DD"),
                                 field=what, value=repr(text)) from None
    _check_year(day.year, what, repr(text.strip()), now or datetime.now(UTC))
    return day.isoformat()


def check_cards(db: Database, card_ids: list[str]) -> None:
    if not card_ids:
        raise CampaignInputError(_("a campaign needs at least one card"))
    known = set(cards.all_card_ids(db))
    for card_id in card_ids:
        if card_id not in known:
            raise CardNotFound(_("unknown card %(card)s (see `pregonero search` or "
                                 "`pregonero content import`)"), card=repr(card_id))


def audience(db: Database, segment: str, *, reminders: bool) -> list[Recipient]:
    """Active people in the segment; an empty audience is an error."""
    seg = segments.parse(segment)
    people = [r for r in store.recipients(db)
              if seg.matches(r) and not (reminders and r.reminders_paused)]
    if not people:
        raise CampaignInputError(_("no active officer matches the segment %(segment)s"),
                                 segment=repr(segments.describe(seg)))
    return people


def new_broadcast(db: Database, card_id: str, *, at: datetime | None, segment: str = "",
                  urgent: bool = False, created_by: int | None = None, now: datetime,
                  name: str | None = None) -> Campaign:
    """A validated broadcast, not stored yet (`add` stores it; the dry run only shows it)."""
    check_cards(db, [card_id])
    seg = str(segments.parse(segment))
    audience(db, seg, reminders=False)
    when = at or now
    return Campaign(id=0, kind="broadcast", name=name or f"broadcast {card_id}",
                    status="scheduled", segment=seg, items=(card_id,), send_at=iso(when),
                    urgent=urgent, created_at=iso(now), created_by=created_by)


def new_series(db: Database, *, name: str, card_ids: list[str], day: str, time: str,
               segment: str = "", start: str | None = None, end: str | None = None,
               mode: str = "drip", urgent: bool = False, ack_days: int | None = None,
               created_by: int | None = None, now: datetime,
               default_tz: str = "America/Mexico_City") -> Campaign:
    """A validated weekly series, not stored yet."""
    if not name.strip():
        raise CampaignInputError(_("%(field)s must not be empty"), field="--name")
    if mode not in MODES:
        raise CampaignInputError(_("%(field)s %(value)s: use drip or in_progress"),
                                 field="--mode", value=repr(mode))
    check_cards(db, card_ids)
    seg = str(segments.parse(segment))
    audience(db, seg, reminders=True)
    start_date = parse_date(start, "--start", now) if start else now.astimezone(
        zone(default_tz)).date().isoformat()
    today = now.astimezone(zone(default_tz)).date().isoformat()
    if mode == "drip" and start_date < today:
        # A drip series starts for everyone at their first card, so a past start means
        # today. Kept as given, the engine would plan the latest weekday before today at
        # once and, past the grace window, record it as skipped: first cards lost.
        start_date = today
    end_date = parse_date(end, "--end", now) if end else None
    if end_date is not None and end_date < start_date:
        raise CampaignInputError(_("%(field)s %(value)s is before %(other)s %(start)s"),
                                 field="--end", value=end_date, other="--start",
                                 start=start_date)
    if ack_days is not None and not 1 <= ack_days <= MAX_ACK_DAYS:
        raise CampaignInputError(_("%(field)s must be between 1 and %(max)s"),
                                 field="--ack-days", max=MAX_ACK_DAYS)
    return Campaign(id=0, kind="series", name=name.strip(), status="active", segment=seg,
                    items=tuple(card_ids), weekday=parse_weekday(day), local_time=parse_time(time),
                    mode=mode, start_date=start_date, end_date=end_date, urgent=urgent,
                    ack_days=ack_days, created_at=iso(now), created_by=created_by)


def add(db: Database, campaign: Campaign) -> Campaign:
    """Store a campaign made by `new_broadcast` / `new_series`; the running engine sends it."""
    return replace(campaign, id=store.create_campaign(db, campaign))


def get(db: Database, campaign_id: int) -> Campaign:
    return store.get_campaign(db, campaign_id)


_TRANSITIONS = {
    "pause": ({"active", "scheduled", "sending"}, "paused"),
    "resume": ({"paused"}, None),
    "cancel": ({"active", "scheduled", "sending", "paused"}, "cancelled"),
}


def change(db: Database, campaign_id: int, action: str, *, now: datetime) -> Campaign:
    """pause | resume | cancel a campaign; cancelling skips what was not sent yet."""
    campaign = store.get_campaign(db, campaign_id)
    allowed, target = _TRANSITIONS[action]
    if campaign.status not in allowed:
        raise InvalidInput(f"campaign {campaign_id} is {campaign.status}: cannot {action} it")
    if target is None:  # resume: back to what it was doing
        if campaign.kind == "series":
            target = "active"
        else:
            planned = store.campaign_counts(db, campaign_id)
            target = "sending" if planned else "scheduled"
    with db.atomic():
        store.set_campaign_status(db, campaign_id, target)
        if action == "cancel":
            store.cancel_pending(db, campaign_id, now=now)
    return store.get_campaign(db, campaign_id)


def next_send(campaign: Campaign, now: datetime, default_tz: str) -> datetime | None:
    """When the campaign sends next (in the default zone, for listings)."""
    if campaign.status in ("cancelled", "done", "paused"):
        return None
    if campaign.kind == "broadcast":
        if campaign.status != "scheduled" or campaign.send_at is None:
            return None
        return datetime.fromisoformat(campaign.send_at)
    if series_finished(campaign, now):
        return None
    day = next_occurrence(campaign, default_tz, now)
    return occurrence_instant(campaign, day, default_tz) if day else None


def summary(db: Database, campaign: Campaign, *, now: datetime, default_tz: str) -> dict:
    """What `campaign list/show` and the web app print about one campaign."""
    nxt = next_send(campaign, now, default_tz)
    data = asdict(campaign)
    data["items"] = list(campaign.items)
    data["segment"] = segments.describe(segments.parse(campaign.segment))
    data["day"] = WEEKDAYS[campaign.weekday] if campaign.weekday is not None else None
    data["next_send"] = iso(nxt) if nxt else None
    data["outbox"] = store.campaign_counts(db, campaign.id)
    return data


def list_summaries(db: Database, *, now: datetime, default_tz: str,
                   include_finished: bool = True) -> list[dict]:
    statuses = None if include_finished else ["scheduled", "active", "paused", "sending"]
    return [summary(db, c, now=now, default_tz=default_tz)
            for c in store.list_campaigns(db, statuses=statuses)]


def dry_run(db: Database, campaign: Campaign, *, now: datetime,
            quiet: QuietHours = QUIET) -> list[Send]:
    """Who would get what and when at the campaign's next send."""
    progress = store.series_state(db, campaign.id).progress if campaign.id else {}
    return sorted(upcoming(campaign, store.recipients(db), progress, now, quiet=quiet),
                  key=lambda s: (s.due_at, s.officer_id))


def preview_card(campaign: Campaign, now: datetime) -> str:
    """The card a preview of the campaign shows: a broadcast's card, a series' next one."""
    if campaign.kind == "series" and campaign.mode == "in_progress" and campaign.start_date:
        from bot.delivery.planner import week_index

        day = next_occurrence(campaign, "America/Mexico_City", now)
        if day is not None:
            return campaign.items[min(week_index(campaign, day), len(campaign.items) - 1)]
    return campaign.items[0]


def check_series_time(local_time: str, quiet: QuietHours = QUIET) -> bool:
    """True when the series' time falls inside quiet hours (sends then wait for their end)."""
    return quiet.contains(parse_hhmm(local_time))
