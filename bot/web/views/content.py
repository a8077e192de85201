"""Content: every card with its usage figures, and what `content check` finds in the folder."""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aiohttp import web
from sqlite_utils import Database

from bot.i18n import N_, gettext_for
from bot.store import cards as card_store
from bot.store import stats
from bot.store.filters import Filters
from bot.web import auth, keys, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters, small_group_page


def gather(db: Database, f: Filters, lang: str) -> dict:
    usage = {u["card_id"]: u for u in stats.card_usage(db, f)}
    cards = card_store.card_catalog(db, lang)
    known = {c["id"] for c in cards}
    topic_names = {t.slug: t.title for t in card_store.list_topics(db, lang)} if cards else {}
    for c in cards:
        c["usage"] = usage.get(c["id"])
        c["topic_name"] = topic_names.get(c["topic"], c["topic"])
    gone = [u for card_id, u in usage.items() if card_id not in known]
    return {"cards": cards, "gone": gone, "choices": stats.filter_choices(db)}


# why a card is listed under "Due for review", most urgent first
DUE_REASONS = ("stale", "missing", "verify", "pending")


CHECK_WAIT = 5.0  # seconds a page waits for a running check before saying so
MAX_LINES = 200  # problems listed on the page (the command line lists them all)
MAX_FILES = 50_000  # entries the fingerprint looks at


def fingerprint(folder: Path, today: date | None) -> str:
    """What the check's result depends on: every file's path, size, time and kind under the
    folder (links are not followed), and the day. Cheap: `stat` only, no reading."""
    h = hashlib.sha256(f"{folder}|{today}".encode())
    seen = 0
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            try:
                st = os.lstat(os.path.join(top, name))
            except OSError:
                continue
            h.update(f"{top}/{name}|{st.st_size}|{st.st_mtime_ns}|{st.st_mode}\n".encode())
            seen += 1
            if seen > MAX_FILES:
                return h.hexdigest()
    return h.hexdigest()


def run_check(folder: Path, today: date | None = None) -> dict:
    """`content check` on the content folder (on a worker thread): problems, card counts and
    the cards due for review (`today` judges a review's age; default: today, UTC)."""
    from bot.library import check_folder

    if not folder.is_dir():
        return {"folder": str(folder), "missing": True, "errors": [], "warnings": [],
                "cards": 0, "files": 0, "due": []}
    result = check_folder(folder, today=today)
    order = {reason: i for i, reason in enumerate(DUE_REASONS)}
    due = sorted(result.due, key=lambda d: (order.get(d.reason, 9), d.since or today, d.card_id))
    return {"folder": str(folder), "missing": False, "cards": len(result.cards),
            "files": result.files, "errors": result.errors, "warnings": result.warnings,
            "due": [{"id": d.card_id, "title": d.title, "kind": d.kind, "reason": d.reason,
                     "since": d.since.isoformat() if d.since else "", "by": d.by,
                     "source": d.source} for d in due]}


def _lines(problems: list, lang: str) -> list[str]:
    lines = [p.localized(lang) for p in problems[:MAX_LINES]]
    if len(problems) > MAX_LINES:
        _ = gettext_for(lang)
        lines.append("… " + _("%(n)s more: run pregonero content check to see them all")
                     % {"n": len(problems) - MAX_LINES})
    return lines


def localized(raw: dict, lang: str) -> dict:
    return {**raw, "errors": _lines(raw["errors"], lang), "error_count": len(raw["errors"]),
            "warnings": _lines(raw["warnings"], lang)}


def check(folder: Path, lang: str = "en", today: date | None = None) -> dict:
    """`run_check`, with its problems as `path:line: message` lines in `lang`."""
    return localized(run_check(folder, today), lang)


def _pending(folder: Path) -> dict:
    return {"folder": str(folder), "pending": True, "missing": False, "errors": [],
            "error_count": 0, "warnings": [], "due": [], "cards": 0, "files": 0}


@dataclass
class CheckCache:
    """The last check's result and the folder fingerprint it belongs to, and the check
    running now (one at a time, on a worker thread: never on the event loop)."""

    key: str = ""
    result: dict | None = None
    running: asyncio.Future | None = None
    running_key: str = ""


async def cached_check(app: web.Application, folder: Path, today: date, lang: str) -> dict:
    """The content check of `folder`: from the cache while no file changed; else run off
    the loop, waiting at most `CHECK_WAIT` seconds (then `{"pending": True}`: the check goes
    on and the next load shows it)."""
    cache = app[keys.CONTENT_CHECK]
    key = await asyncio.to_thread(fingerprint, folder, today)
    if cache.key == key and cache.result is not None:
        return localized(cache.result, lang)
    if cache.running is None or cache.running.done():
        cache.running_key = key
        cache.running = asyncio.ensure_future(asyncio.to_thread(run_check, folder, today))

        def keep(done: asyncio.Future, key: str = key) -> None:
            if not done.cancelled() and done.exception() is None:
                cache.key, cache.result = key, done.result()

        cache.running.add_done_callback(keep)
    elif cache.running_key != key:  # another check still runs: say so rather than pile up
        return _pending(folder)
    try:
        raw = await asyncio.wait_for(asyncio.shield(cache.running), CHECK_WAIT)
    except TimeoutError:
        return _pending(folder)
    return localized(raw, lang)


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
    data["check"] = await cached_check(request.app, Path(folder), today, lang)
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "content.html", data)
