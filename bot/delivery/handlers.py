"""Chat commands of the delivery area.

- `/recordatorios` (`/reminders`): the officer pauses or resumes weekly reminders (buttons).
- `/zona` (`/timezone`): the officer picks their time zone among Mexico's (buttons).
- `/proximos` (`/upcoming`), comms and admins only: the next sends of every campaign, with a
  button that sends the campaign's next card to them alone (a preview).
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application

from bot.callbacks import button, keyboard
from bot.chatkit.commands import command, command_handlers
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import answer, button_handler, esc, reply, short_label
from bot.clock import utcnow
from bot.delivery import campaigns as lib
from bot.delivery.preview import send_preview
from bot.delivery.timezones import ZONE_BY_CODE, ZONE_BY_NAME, ZONES
from bot.i18n import N_, format_datetime
from bot.store import cards, officers
from bot.store.officers import Officer

IMPORTANT_STILL_ARRIVE = N_("Important announcements and procedure updates still reach you.")



@requires_officer
async def show_reminders(update: Update, context: ChatContext, officer: Officer) -> None:
    """Say whether weekly reminders are on, with a button to switch."""
    _ = context._
    if officer.reminders_paused:
        text = _("Weekly reminders are paused. You can still ask me anything.") + " " + _(
            IMPORTANT_STILL_ARRIVE)
        rows = [[button("▶️ " + _("Resume reminders"), "rem", "on")]]
    else:
        text = _("Weekly reminders are on.") + " " + _("Your time zone: %(zone)s.") % {
            "zone": zone_label(officer.timezone, context)}
        rows = [[button("⏸ " + _("Pause reminders"), "rem", "off")]]
    rows.append([button("🕒 " + _("Change time zone"), "tz", "list")])
    await reply(update, esc(text), keyboard(rows))


@requires_officer
async def set_reminders(update: Update, context: ChatContext, officer: Officer, value: str) -> None:
    """The officer tapped pause or resume."""
    paused = value == "off"
    await context.store.run(officers.set_reminders_paused, officer.id, paused)
    _ = context._
    text = (_("Done: weekly reminders are paused. Use /%(cmd)s to resume them.") if paused
            else _("Done: weekly reminders are on again.")) % {
        "cmd": command("reminders").name(context.lang)}
    if paused:  # broadcasts and SOP updates are not reminders: say so before one arrives
        text += " " + _(IMPORTANT_STILL_ARRIVE)
    await answer(update, "✓")
    await reply(update, esc(text), edit=True)


def zone_label(name: str, context: ChatContext) -> str:
    zone = ZONE_BY_NAME.get(name)
    return context._(zone.label) if zone else name


@requires_officer
async def choose_zone(update: Update, context: ChatContext, officer: Officer) -> None:
    """Offer Mexico's time zones as buttons, the current one ticked."""
    _ = context._
    now = utcnow()
    rows = []
    for zone in ZONES:
        here = format_datetime(now, context.lang, zone.name, "HH:mm")
        mark = "✓ " if zone.name == officer.timezone else ""
        rows.append([button(short_label(f"{mark}{here} · {_(zone.label)}"), "tz", zone.code)])
    text = _("Choose your time zone so reminders arrive at the right hour. Now it is:")
    await reply(update, esc(text), keyboard(rows), edit=update.callback_query is not None)


@requires_officer
async def set_zone(update: Update, context: ChatContext, officer: Officer, code: str) -> None:
    """The officer tapped a zone (or 'list' to see them)."""
    if code == "list":
        await answer(update)
        await choose_zone(update, context)
        return
    zone = ZONE_BY_CODE.get(code)
    if zone is None:
        await answer(update, context._("This option is no longer available."))
        return
    await context.store.run(officers.set_profile, officer.id, timezone=zone.name)
    await answer(update, "✓")
    here = format_datetime(utcnow(), context.lang, zone.name, "HH:mm")
    text = context._("Done: your time zone is %(zone)s. It is %(time)s there now.") % {
        "zone": context._(zone.label), "time": here}
    await reply(update, esc(text), edit=True)


def upcoming_lines(db: Database, *, now: datetime, tz: str, lang: str) -> list[dict]:
    """Active campaigns with their next send, soonest first (for /proximos). Pure-ish: reads."""
    data = lib.list_summaries(db, now=now, default_tz=tz, include_finished=False)
    return sorted(data, key=lambda d: d["next_send"] or "9999")


@requires_officer
async def show_upcoming(update: Update, context: ChatContext, officer: Officer) -> None:
    """Comms and admins: the next sends, each with a preview button."""
    _ = context._
    if not officer.can_manage_content:
        await reply(update, esc(_("This command is for the communications team.")))
        return
    tz = officer.timezone
    data = await context.store.run(upcoming_lines, now=utcnow(), tz=tz, lang=context.lang)
    if not data:
        await reply(update, esc(_("No campaign is scheduled.")))
        return
    lines, rows = ["<b>" + esc(_("Upcoming sends")) + "</b>"], []
    for d in data[:15]:
        when = (format_datetime(datetime.fromisoformat(d["next_send"]), context.lang, tz,
                                "EEE d MMM, HH:mm") if d["next_send"] else "—")
        kind = _("weekly") if d["kind"] == "series" else _("broadcast")
        status = "" if d["status"] in ("active", "scheduled") else f" ({_(d['status'])})"
        pending = d["outbox"].get("pending", 0)
        queued = " · " + _("%(n)s waiting") % {"n": pending} if pending else ""
        name, items = d["name"], d.get("items") or []
        if d["kind"] == "broadcast" and items and name == f"broadcast {items[0]}":  # auto-named
            card = await context.store.run(cards.get_card, items[0], context.lang)
            name = _("Broadcast: %(title)s") % {"title": card.title if card else items[0]}
        segment = _("everyone") if d["segment"] in ("", "everyone") else d["segment"]
        lines.append(f"#{d['id']} {esc(name)} · {esc(kind)}{esc(status)}\n"
                     f"   {esc(when)} · {esc(segment)}{esc(queued)}")
        rows.append([button("👁 " + _("Preview #%(id)s") % {"id": d["id"]}, "pv", d["id"])])
    await reply(update, "\n".join(lines), keyboard(rows))


@requires_officer
async def preview_campaign(update: Update, context: ChatContext, officer: Officer,
                           campaign_id: str) -> None:
    """Send the campaign's next card to the comms user who tapped, and nobody else."""
    if not officer.can_manage_content:
        await answer(update)
        return
    store = context.store
    try:
        campaign = await store.run(lib.get, int(campaign_id))
    except Exception:
        await answer(update, context._("This option is no longer available."))
        return
    await answer(update, context._("Preview sent to you only."))
    card = lib.preview_card(campaign, utcnow())
    kind = "broadcast" if campaign.kind == "broadcast" else "reminder"
    await send_preview(store, context.bot, officer.id, card, kind)


# Translated status names for /proximos.
_STATUSES = (N_("paused"), N_("sending"))

# Button action (bot.callbacks) -> handler(update, context, *args).
ROUTES = {"rem": set_reminders, "tz": set_zone, "pv": preview_campaign}

# Command key (bot.chatkit.commands) -> handler, for the commands this area answers.
COMMAND_HANDLERS = {"reminders": show_reminders, "upcoming": show_upcoming,
                    "timezone": choose_zone}


def register(application: Application) -> None:
    """Add this area's commands and buttons (handler group 0)."""
    application.add_handlers(command_handlers(COMMAND_HANDLERS))
    application.add_handler(button_handler(ROUTES))
