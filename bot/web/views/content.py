"""Content: every card with its usage figures, and what `content check` finds in the folder."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from aiohttp import web
from sqlite_utils import Database

from bot.i18n import N_
from bot.store import cards as card_store
from bot.store import stats
from bot.store.stats import Filters
from bot.web import auth, keys, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters, small_group_page


def gather(db: Database, f: Filters, lang: str) -> dict:
    usage = {u["card_id"]: u for u in stats.card_usage(db, f)}
    cards = stats.card_catalog(db, lang)
    known = {c["id"] for c in cards}
    topic_names = {t.slug: t.title for t in card_store.list_topics(db, lang)} if cards else {}
    for c in cards:
        c["usage"] = usage.get(c["id"])
        c["topic_name"] = topic_names.get(c["topic"], c["topic"])
    gone = [u for card_id, u in usage.items() if card_id not in known]
    return {"cards": cards, "gone": gone, "choices": stats.filter_choices(db)}


# why a card is listed under "Due for review", most urgent first
DUE_REASONS = ("stale", "missing", "verify", "pending")


def check(folder: Path, lang: str = "en", today: date | None = None) -> dict:
    """`content check` on the content folder: problems as `path:line: message` lines, and
    the cards due for review (`today` judges a review's age; default: today, UTC)."""
    from bot.library import check_folder

    if not folder.is_dir():
        return {"folder": str(folder), "missing": True, "errors": [], "warnings": [],
                "cards": 0, "files": 0, "due": []}
    result = check_folder(folder, today=today)
    order = {reason: i for i, reason in enumerate(DUE_REASONS)}
    due = sorted(result.due, key=lambda d: (order.get(d.reason, 9), d.since or today, d.card_id))
    return {"folder": str(folder), "missing": False, "cards": len(result.cards),
            "files": result.files,
            "errors": [p.localized(lang) for p in result.errors],
            "warnings": [p.localized(lang) for p in result.warnings],
            "due": [{"id": d.card_id, "title": d.title, "kind": d.kind, "reason": d.reason,
                     "since": d.since.isoformat() if d.since else "", "by": d.by,
                     "source": d.source} for d in due]}


@auth.require(*auth.COMMS)
async def content(request: web.Request) -> web.Response:
    f, chosen = parse_filters(request, render.now(request))
    hidden = await small_group_page(request, f, chosen, N_("Content"))
    if hidden is not None:
        return hidden
    lang = render.request_lang(request)
    data = await render.store(request).run(gather, f, lang)
    folder = request.app[keys.SETTINGS].messages
    today = render.now(request).date()
    data["check"] = await asyncio.to_thread(check, Path(folder), lang, today)
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "content.html", data)
