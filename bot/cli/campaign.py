"""`pregonero broadcast` and `pregonero campaign create|list|show|pause|resume|cancel|preview`.

Verbs parse, call `bot.delivery.campaigns`, print. What they store is delivered by the running
`pregonero run` (its engine looks at the database every couple of seconds).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import click

from bot.cli.common import ID, json_option, now_utc, open_store, print_json, settings
from bot.cli.progress import ProgressBar
from bot.clock import iso
from bot.delivery import campaigns as lib
from bot.delivery.planner import Campaign, Send
from bot.delivery.preview import preview_target, preview_with_settings
from bot.i18n import format_datetime
from bot.store import Store
from bot.store import delivery as delivery_store

SEGMENT_HELP = ("Who gets it: key=value terms, ANDed; comma lists ORed. Keys: role, region, "
                "port, lang, tz. E.g. 'role=officer region=norte,sur'. Default: everyone.")


def _zones(store: Store) -> dict[int, str]:
    return {r.id: r.timezone for r in delivery_store.recipients(store.db)}


def _local(s: Send, zones: dict[int, str], default_tz: str) -> str:
    tz = zones.get(s.officer_id, default_tz)
    return f"{format_datetime(s.due_at, 'en', tz, 'EEE d MMM HH:mm')} {tz}"


def _sends_json(sends: list[Send], zones: dict[int, str], default_tz: str) -> list[dict]:
    return [{"officer_id": s.officer_id, "card_id": s.card_id, "due_at": iso(s.due_at),
             "local": _local(s, zones, default_tz), "kind": s.kind} for s in sends]


def _print_sends(sends: list[Send], zones: dict[int, str], default_tz: str) -> None:
    for s in sends:
        click.echo(f"{s.officer_id}\t{s.card_id}\t{iso(s.due_at)}\t"
                   f"({_local(s, zones, default_tz)})")
    click.echo(f"{len(sends)} sends", err=True)


def _outbox_text(counts: dict[str, int]) -> str:
    """'sent 3 · waiting 4 · failed 6': what the outbox holds for a campaign."""
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    parts = [f"sent {counts.get('sent', 0)}"]
    parts += [f"{label} {n}" for label, n in (
        ("waiting", waiting), ("failed", counts.get("failed", 0)),
        ("blocked", counts.get("blocked", 0)), ("skipped", counts.get("skipped", 0))) if n]
    return " · ".join(parts)


def _when(value: str | None, tz: str) -> str:
    """An ISO time as the comms team reads it: 'Tue 1 Dec 2026 09:00 CST' in `tz`."""
    if not value:
        return "-"
    return format_datetime(datetime.fromisoformat(value), "en", tz, "EEE d MMM y HH:mm zzz")


def _quiet_note(sends: list[Send], when: datetime) -> None:
    """Say on stderr how many recipients are in quiet hours at the broadcast's time."""
    waiting = [s for s in sends if s.due_at > when + timedelta(minutes=1)]
    if waiting:
        first = min(s.due_at for s in waiting)
        click.echo(f"note: {len(waiting)} of {len(sends)} recipients are in quiet hours "
                   f"(21:00-07:00 their time): they get it from {iso(first)} on, at 07:00 "
                   "local; --urgent sends to them now", err=True)


def _finish(store: Store, campaign: Campaign, *, dry_run: bool, preview: int | None,
            as_json: bool) -> int | None:
    """Store the campaign, or show the dry run, or send the preview; then print."""
    s = settings()
    now = now_utc()
    if preview is not None and dry_run:
        raise click.UsageError("give --dry-run or --preview, not both")
    if preview is not None:
        preview_target(store.db, preview)
        kind = "broadcast" if campaign.kind == "broadcast" else "reminder"
        card = lib.preview_card(campaign, now)
        asyncio.run(preview_with_settings(s, store, preview, card, kind))
        if as_json:
            print_json({"preview": preview, "card_id": card, "stored": False})
        else:
            click.echo(f"preview of {card} sent to {preview} (nothing was scheduled)")
        return None
    if dry_run:
        sends = lib.dry_run(store.db, campaign, now=now)
        zones = _zones(store)
        if as_json:
            print_json({"dry_run": True, "sends": _sends_json(sends, zones, s.timezone)})
        else:
            _print_sends(sends, zones, s.timezone)
        return None
    stored = lib.add(store.db, campaign)
    data = lib.summary(store.db, stored, now=now, default_tz=s.timezone)
    if as_json:
        print_json(data)
        return stored.id
    what = "broadcast" if stored.kind == "broadcast" else "weekly series"
    click.echo(f"{what} {stored.id} scheduled: {', '.join(stored.items)} to "
               f"{data['segment']}; next send {data['next_send'] or '-'}")
    return stored.id


FOLLOW_HELP = ("Then show its delivery as it happens (a bar on a terminal, plain lines "
               "otherwise) until nothing is waiting; `pregonero run` does the sending.")
FOLLOW_POLL = 1.0  # seconds between looks at the outbox
FOLLOW_AHEAD = timedelta(minutes=2)  # a send further away than this is not followed


def follow(campaign_id: int, *, quiet: bool = False) -> str:
    """Show a campaign's delivery (sent + failed of all its messages) until none is waiting;
    return the last counts as text. A broadcast not planned yet counts its recipients."""
    s = settings()
    bar = ProgressBar("delivering", "messages", quiet=quiet)
    try:
        while True:
            with open_store(s) as store:
                now = now_utc()
                c = lib.get(store.db, campaign_id)
                counts = delivery_store.campaign_counts(store.db, campaign_id)
                waiting = counts.get("pending", 0) + counts.get("sending", 0)
                settled = sum(counts.values()) - waiting
                total = settled + waiting
                planned = c.kind != "broadcast" or c.status != "scheduled"
                if not planned:
                    total = max(total, len({x.officer_id for x in
                                            lib.dry_run(store.db, c, now=now)}))
                due = lib.next_send(c, now, s.timezone)
            bar.update(settled, total)
            if planned and not waiting:
                break
            if not planned and (c.status != "scheduled" or due is None
                                or due > now + FOLLOW_AHEAD):
                break  # not due soon (or not any more): nothing to watch now
            time.sleep(FOLLOW_POLL)
    finally:
        bar.close()
    return _outbox_text(counts)


@click.command("broadcast")
@click.argument("card_id")
@click.option("--now", "send_now", is_flag=True, help="Send as soon as possible.")
@click.option("--at", "at", default=None, metavar="ISO8601",
              help="Send at this time (no offset: PREGONERO_TIMEZONE), e.g. 2026-12-01T09:00.")
@click.option("--segment", default="", metavar="EXPR", help=SEGMENT_HELP)
@click.option("--urgent", is_flag=True, help="Ignore quiet hours (21:00-07:00 local).")
@click.option("--dry-run", is_flag=True, help="List who would get it and when; store nothing.")
@click.option("--preview", type=ID, default=None, metavar="USER_ID",
              help="Send it to this comms/admin user only; store nothing.")
@click.option("--follow", "follow_delivery", is_flag=True, help=FOLLOW_HELP)
@json_option
def broadcast(card_id: str, send_now: bool, at: str | None, segment: str, urgent: bool,
              dry_run: bool, preview: int | None, follow_delivery: bool,
              as_json: bool) -> None:
    """Push one card to a segment, now or at a time (delivered by `pregonero run`)."""
    if send_now == (at is not None):
        raise click.UsageError("give exactly one of --now or --at ISO8601")
    s = settings()
    now = now_utc()
    when = None if send_now else lib.parse_when(at or "", default_tz=s.timezone, now=now)
    with open_store(s) as store:
        campaign = lib.new_broadcast(store.db, card_id, at=when, segment=segment,
                                     urgent=urgent, now=now)
        if not urgent and preview is None:
            _quiet_note(lib.dry_run(store.db, campaign, now=now), when or now)
        stored = _finish(store, campaign, dry_run=dry_run, preview=preview, as_json=as_json)
    if follow_delivery and stored is not None:
        last = follow(stored, quiet=as_json)
        if not as_json:
            click.echo(last)


@click.group("campaign")
def campaign() -> None:
    """Weekly series: create, list, show, pause, resume, cancel, preview."""


@campaign.command("create")
@click.option("--name", required=True, help="A name the comms team recognises.")
@click.option("--cards", required=True, metavar="ID,ID,...",
              help="Card ids in order (knowledge checks included).")
@click.option("--day", required=True, help="Weekday: mon, tue, wed, thu, fri, sat, sun.")
@click.option("--time", "time_", required=True, metavar="HH:MM",
              help="Local time of each officer (their own time zone).")
@click.option("--segment", default="", metavar="EXPR", help=SEGMENT_HELP)
@click.option("--start", default=None, metavar="YYYY-MM-DD", help="First day (default today).")
@click.option("--end", default=None, metavar="YYYY-MM-DD", help="Last day (default none).")
@click.option("--mode", type=click.Choice(["drip", "in-progress"]), default="drip",
              show_default=True,
              help="drip: everyone starts from the first card when they join; in-progress: "
                   "newcomers join at the current week's card.")
@click.option("--ack-days", type=click.IntRange(1, lib.MAX_ACK_DAYS), default=None,
              metavar="N",
              help="Remind once officers who have not confirmed an SOP after N days.")
@click.option("--urgent", is_flag=True, help="Ignore quiet hours.")
@click.option("--dry-run", is_flag=True, help="List the next sends; store nothing.")
@click.option("--preview", type=ID, default=None, metavar="USER_ID",
              help="Send the first card to this comms/admin user only; store nothing.")
@json_option
def create(name: str, cards: str, day: str, time_: str, segment: str, start: str | None,
           end: str | None, mode: str, ack_days: int | None, urgent: bool, dry_run: bool,
           preview: int | None, as_json: bool) -> None:
    """Create a weekly series of cards."""
    s = settings()
    with open_store(s) as store:
        card_ids = [c.strip() for c in cards.split(",") if c.strip()]
        series = lib.new_series(store.db, name=name, card_ids=card_ids, day=day, time=time_,
                                segment=segment, start=start, end=end,
                                mode=mode.replace("-", "_"), urgent=urgent, ack_days=ack_days,
                                now=now_utc(), default_tz=s.timezone)
        if lib.check_series_time(series.local_time or "09:00") and not urgent:
            click.echo(f"note: {series.local_time} is in quiet hours (21:00-07:00): sends wait "
                       "until 07:00 local", err=True)
        _finish(store, series, dry_run=dry_run, preview=preview, as_json=as_json)


@campaign.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include cancelled and finished ones.")
@json_option
def list_(show_all: bool, as_json: bool) -> None:
    """Campaigns with status and next send."""
    s = settings()
    with open_store(s) as store:
        data = lib.list_summaries(store.db, now=now_utc(), default_tz=s.timezone,
                                  include_finished=show_all)
    if as_json:
        print_json(data)
        return
    for d in data:
        when = (f"{d['day']} {d['local_time']} local" if d["kind"] == "series"
                else _when(d["send_at"], s.timezone))
        click.echo(f"{d['id']:>4}  {d['kind']:<9} {d['status']:<9} {d['name'][:30]:<30} "
                   f"{when:<25} next {_when(d['next_send'], s.timezone):<25} "
                   f"{_outbox_text(d['outbox'])}  {d['segment']}")
    if not data:
        click.echo("no campaigns", err=True)


@campaign.command("show")
@click.argument("campaign_id", type=ID)
@click.option("--dry-run", is_flag=True, help="Also list who gets what at the next send.")
@click.option("--follow", "follow_delivery", is_flag=True, help=FOLLOW_HELP)
@json_option
def show(campaign_id: int, dry_run: bool, follow_delivery: bool, as_json: bool) -> None:
    """One campaign: cards, schedule, segment, delivery counts."""
    if follow_delivery:
        follow(campaign_id, quiet=as_json)
    s = settings()
    with open_store(s) as store:
        now = now_utc()
        c = lib.get(store.db, campaign_id)
        data = lib.summary(store.db, c, now=now, default_tz=s.timezone)
        sends = lib.dry_run(store.db, c, now=now) if dry_run else None
        zones = _zones(store) if dry_run else {}
    if as_json:
        if sends is not None:
            data["sends"] = _sends_json(sends, zones, s.timezone)
        print_json(data)
        return
    series_only = ("day", "local_time", "mode", "start_date", "end_date", "ack_days")
    for key in ("id", "name", "kind", "status", "segment", "items", "day", "local_time", "mode",
                "start_date", "end_date", "send_at", "urgent", "ack_days", "next_send",
                "outbox"):
        if c.kind == "broadcast" and key in series_only:
            continue
        if data.get(key) not in (None, "", [], {}):
            value = data[key]
            if key == "items":
                value = ", ".join(value)
            elif key == "outbox":
                value = _outbox_text(value)
            elif key in ("send_at", "next_send"):
                value = f"{value} ({_when(value, s.timezone)})"
            elif key == "urgent":
                value = "yes" if value else "no"
            click.echo(f"{key:<11} {value}")
    if sends is not None:
        _print_sends(sends, zones, s.timezone)


def _change(action: str) -> click.Command:
    @click.argument("campaign_id", type=ID)
    @json_option
    def verb(campaign_id: int, as_json: bool) -> None:
        with open_store() as store:
            c = lib.change(store.db, campaign_id, action, now=now_utc())
        if as_json:
            print_json({"id": c.id, "status": c.status})
        else:
            click.echo(f"campaign {c.id} is {c.status}")

    verb.__doc__ = {"pause": "Pause a campaign (nothing is sent until resumed).",
                    "resume": "Resume a paused campaign.",
                    "cancel": "Cancel a campaign; what was not sent is skipped."}[action]
    return campaign.command(action)(verb)


for _action in ("pause", "resume", "cancel"):
    _change(_action)


@campaign.command("preview")
@click.argument("campaign_id", type=ID)
@click.option("--to", "to", type=ID, required=True, metavar="USER_ID",
              help="The comms/admin user who gets the preview.")
@json_option
def preview_(campaign_id: int, to: int, as_json: bool) -> None:
    """Send a stored campaign's next card to one comms/admin user."""
    s = settings()
    with open_store(s) as store:
        c = lib.get(store.db, campaign_id)
        preview_target(store.db, to, "--to")
        card = lib.preview_card(c, now_utc())
        kind = "broadcast" if c.kind == "broadcast" else "reminder"
        asyncio.run(preview_with_settings(s, store, to, card, kind, "--to"))
    if as_json:
        print_json({"preview": to, "card_id": card})
    else:
        click.echo(f"preview of {card} sent to {to}")


COMMANDS: list[click.Command] = [broadcast, campaign]
