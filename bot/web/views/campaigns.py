"""Campaigns: the list with status and next send, one campaign's figures per card, a form to
create a broadcast or a weekly series with a preview as Telegram shows it, pause and cancel.

Every decision is the delivery library's (`bot.delivery.campaigns`): the views only parse the
form, call it on the store's thread and show what it returns or the one-line error it raises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlite_utils import Database

from bot.csvsafe import to_csv
from bot.delivery import campaigns as lib
from bot.delivery import segments, sender
from bot.errors import PregoneroError
from bot.store import cards, stats
from bot.web import auth, keys, render
from bot.web.telegram_html import to_web

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS = ("kind", "name", "card", "cards", "when", "at", "day", "time", "start", "end", "mode",
          "segment", "urgent", "replaces")


def _titles(db: Database, lang: str) -> dict[str, str]:
    return cards.card_titles(db, lang)


def listing(db: Database, now: datetime, tz: str, lang: str) -> dict:
    return {"campaigns": lib.list_summaries(db, now=now, default_tz=tz),
            "titles": _titles(db, lang)}


RUNNING = ("scheduled", "active", "sending")


def delivery_progress(summary: dict) -> dict:
    """Where a campaign's messages are: sent, pending (waiting or in flight), failed (refused,
    blocked or skipped), as counts and shares of the total; `live` while more may come."""
    counts = summary["outbox"]
    sent = counts.get("sent", 0)
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    failed = counts.get("failed", 0) + counts.get("blocked", 0) + counts.get("skipped", 0)
    total = sent + pending + failed
    return {"sent": sent, "pending": pending, "failed": failed, "total": total,
            "shares": {k: (v / total if total else 0.0)
                       for k, v in (("sent", sent), ("pending", pending), ("failed", failed))},
            "status": summary["status"],
            "live": pending > 0 or summary["status"] in RUNNING}


def detail(db: Database, campaign_id: int, now: datetime, tz: str, lang: str) -> dict:
    campaign = lib.get(db, campaign_id)
    summary = lib.summary(db, campaign, now=now, default_tz=tz)
    return {"c": summary, "progress": delivery_progress(summary),
            "items": stats.campaign_items(db, campaign_id), "titles": _titles(db, lang)}


def progress_of(db: Database, campaign_id: int, now: datetime, tz: str) -> dict:
    return delivery_progress(lib.summary(db, lib.get(db, campaign_id), now=now, default_tz=tz))


def build(db: Database, form: dict[str, str], *, now: datetime, tz: str,
          created_by: int) -> lib.Campaign:
    """The campaign the form describes, validated by the delivery library (not stored)."""
    urgent = form.get("urgent") == "on"
    if form.get("kind") == "series":
        ids = [c.strip() for c in form.get("cards", "").replace("\n", ",").split(",")
               if c.strip()]
        return lib.new_series(
            db, name=form.get("name", ""), card_ids=ids, day=form.get("day", "mon"),
            time=form.get("time", "09:00"), segment=form.get("segment", ""),
            start=form.get("start") or None, end=form.get("end") or None,
            mode=form.get("mode", "drip"), urgent=urgent, created_by=created_by, now=now,
            default_tz=tz)
    at = None
    if form.get("when") == "at":
        at = lib.parse_when(form.get("at", ""), default_tz=tz, now=now)
    return lib.new_broadcast(db, form.get("card", ""), at=at, segment=form.get("segment", ""),
                             urgent=urgent, created_by=created_by, now=now,
                             name=form.get("name") or None)


def preview(db: Database, campaign: lib.Campaign, *, now: datetime, tz: str,
            lang: str) -> dict:
    """The first card as an officer would see it, and who would get it when."""
    card = cards.get_card(db, lib.preview_card(campaign, now), lang)
    # The engine's rendering, header line included ("📣 Aviso", "🔔 Recordatorio semanal").
    kind = "broadcast" if campaign.kind == "broadcast" else "reminder"
    message = sender.render(card, lang, kind)[0] if card is not None else None
    sends = lib.dry_run(db, campaign, now=now)
    # As the command line says it: who waits for the end of their quiet hours.
    waiting = 0
    if campaign.kind == "broadcast" and not campaign.urgent:
        when = datetime.fromisoformat(campaign.send_at) if campaign.send_at else now
        waiting = len({s.officer_id for s in sends
                       if s.due_at > when + timedelta(minutes=1)})
    return {
        "quiet_waiting": waiting,
        "html": to_web(message.text_html) if message else None,
        "buttons": [[b.text for b in row] for row in message.keyboard.inline_keyboard]
        if message and message.keyboard else [],
        "image": bool(message and message.image_path),
        "document": bool(message and message.document_path),
        "recipients": len({s.officer_id for s in sends}),
        "first_due": min((s.due_at for s in sends), default=None),
        "next_send": lib.next_send(campaign, now, tz),
        "segment": segments.describe(segments.parse(campaign.segment)),
    }


def form_page_data(db: Database, lang: str) -> dict:
    return {"catalog": cards.card_catalog(db, lang)}


def form_from(db: Database, campaign_id: int, tz: str) -> dict[str, str]:
    """The form filled from an existing campaign, to edit it: the new one replaces it."""
    c = lib.get(db, campaign_id)
    form = {k: "" for k in FIELDS}
    form.update(kind=c.kind, name=c.name, card=c.items[0], cards=", ".join(c.items),
                when="now", day=WEEKDAYS[c.weekday] if c.weekday is not None else "mon",
                time=c.local_time or "09:00", start=c.start_date or "", end=c.end_date or "",
                mode=c.mode, segment=c.segment, urgent="on" if c.urgent else "",
                replaces=str(c.id))
    if c.kind == "broadcast" and c.send_at:
        form.update(when="at", at=datetime.fromisoformat(c.send_at).astimezone(
            ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M"))
    return form


def create_or_preview(db: Database, form: dict[str, str], action: str, *, now: datetime,
                      tz: str, lang: str, created_by: int) -> dict:
    """Preview the campaign, or store it (cancelling the campaign it replaces, if any)."""
    campaign = build(db, form, now=now, tz=tz, created_by=created_by)
    if action != "create":
        return {"preview": preview(db, campaign, now=now, tz=tz, lang=lang)}
    with db.atomic():
        created = lib.add(db, campaign)
        replaces = form.get("replaces", "")
        if replaces.isdigit() and len(replaces) <= 18 and lib.get(db, int(replaces)).status in (
                "active", "scheduled", "paused", "sending"):
            lib.change(db, int(replaces), "cancel", now=now)
    return {"created": created.id}


def _ctx(request: web.Request) -> tuple[datetime, str, str]:
    return (render.now(request), request.app[keys.SETTINGS].timezone,
            render.request_lang(request))


@auth.require(*auth.COMMS)
async def list_campaigns(request: web.Request) -> web.Response:
    now, tz, lang = _ctx(request)
    data = await render.store(request).run(listing, now, tz, lang)
    return render.page(request, "campaigns.html", data)


@auth.require(*auth.COMMS)
async def show_campaign(request: web.Request) -> web.Response:
    now, tz, lang = _ctx(request)
    try:
        data = await render.store(request).run(detail, int(request.match_info["id"]), now, tz,
                                               lang)
    except PregoneroError as exc:
        raise web.HTTPNotFound() from exc
    data["progress_text"] = progress_text(data["progress"], lang)
    return render.page(request, "campaign.html", data)


@auth.require(*auth.COMMS)
async def campaign_progress(request: web.Request) -> web.Response:
    """The delivery bar's figures as JSON, read by /static/delivery.js every few seconds while
    the campaign runs (the page updates without a reload)."""
    now, tz, lang = _ctx(request)
    try:
        data = await render.store(request).run(progress_of, int(request.match_info["id"]), now,
                                               tz)
    except PregoneroError as exc:
        raise web.HTTPNotFound() from exc
    data["text"] = progress_text(data, lang)
    return web.json_response(data, headers={"Cache-Control": "no-store"})


DELIVERY_COLUMNS = ("status", "messages")


@auth.require(*auth.COMMS)
async def delivery_csv(request: web.Request) -> web.Response:
    """The delivery bar's figures as CSV: one row per state (sent, pending, failed), then the
    total; the bar's text alternative is the sentence under it."""
    now, tz, _lang = _ctx(request)
    campaign_id = int(request.match_info["id"])
    try:
        data = await render.store(request).run(progress_of, campaign_id, now, tz)
    except PregoneroError as exc:
        raise web.HTTPNotFound() from exc
    text = to_csv([{"status": key, "messages": data[key]}
                   for key in ("sent", "pending", "failed", "total")], DELIVERY_COLUMNS)
    name = f"pregonero-campaign-{campaign_id}-delivery.csv"
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


def progress_text(progress: dict, lang: str) -> str:
    """"Sent: 12 · pending: 30 · failed: 1 (of 43)" in the reader's language."""
    from bot.i18n import format_number, gettext_for

    _ = gettext_for(lang)
    return _("Sent: %(sent)s · pending: %(pending)s · failed: %(failed)s (of %(total)s)") % {
        k: format_number(progress[k], lang) for k in ("sent", "pending", "failed", "total")}


def _form_defaults(query: Any) -> dict[str, str]:
    form = {k: "" for k in FIELDS}
    form.update(kind="broadcast", when="now", day="mon", time="09:00", mode="drip")
    for k in FIELDS:
        if query.get(k):
            form[k] = str(query.get(k))
    return form


@auth.require(*auth.COMMS)
async def new_campaign(request: web.Request) -> web.Response:
    _now, tz, lang = _ctx(request)
    store = render.store(request)
    data = await store.run(form_page_data, lang)
    form = _form_defaults(request.query)
    edit = request.query.get("edit", "")
    if edit and not (edit.isdigit() and len(edit) <= 18):
        raise web.HTTPNotFound()
    if edit.isdigit():
        try:
            form = await store.run(form_from, int(edit), tz)
        except PregoneroError as exc:
            raise web.HTTPNotFound() from exc
    data.update(form=form, weekdays=WEEKDAYS, error=None, preview=None)
    return render.page(request, "campaign_new.html", data)


@auth.require(*auth.COMMS)
async def create_campaign(request: web.Request) -> web.Response:
    _ = render.gettext(request)
    now, tz, lang = _ctx(request)
    posted = await request.post()
    form = _form_defaults({})
    form.update({k: str(posted.get(k, "")).strip()[:2000] for k in FIELDS if k in posted})
    if "urgent" not in posted:
        form["urgent"] = ""
    action = "create" if posted.get("action") == "create" else "preview"
    store = render.store(request)
    data = await store.run(form_page_data, lang)
    data.update(form=form, weekdays=WEEKDAYS, error=None, preview=None)
    try:
        result = await store.run(create_or_preview, form, action, now=now, tz=tz, lang=lang,
                                 created_by=auth.signed_in(request).officer_id)
    except PregoneroError as exc:
        data["error"] = render.code_spans(
            exc.localized(lang) if isinstance(exc, lib.CampaignInputError) else str(exc))
        return render.page(request, "campaign_new.html", data, status=400)
    if "created" in result:
        return render.redirect(request, "campaign", id=str(result["created"]))
    data["preview"] = result["preview"]
    return render.page(request, "campaign_new.html", data)


@auth.require(*auth.COMMS)
async def change_campaign(request: web.Request) -> web.Response:
    campaign_id = int(request.match_info["id"])
    try:
        await render.store(request).run(lib.change, campaign_id, request.match_info["action"],
                                        now=render.now(request))
    except PregoneroError:
        pass  # already in that state (or gone): the page shows the current status
    return render.redirect(request, "campaign", id=str(campaign_id))
