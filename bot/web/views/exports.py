"""Exports (admin): the weekly indicators per region as CSV, as `pregonero stats --csv`."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlite_utils import Database

from bot.csvsafe import to_csv
from bot.store import stats
from bot.store.filters import Filters
from bot.store.stats import WEEKLY_COLUMNS
from bot.web import auth, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters


def gather(db: Database, f: Filters, now: datetime) -> dict:
    return {"rows": stats.weekly_report(db, f, now=now), "choices": stats.filter_choices(db)}


@auth.require(*auth.ADMIN)
async def exports(request: web.Request) -> web.Response:
    now = render.now(request)
    f, chosen = parse_filters(request, now)
    data = await render.store(request).run(gather, f, now)
    data["rows"] = data["rows"][-40:]
    data.update(chosen=chosen, period_labels=PERIOD_LABELS, columns=WEEKLY_COLUMNS,
                csv_query=request.query_string)
    return render.page(request, "exports.html", data)


@auth.require(*auth.ADMIN)
async def weekly_csv(request: web.Request) -> web.Response:
    now = render.now(request)
    f, _chosen = parse_filters(request, now)
    rows = await render.store(request).run(stats.weekly_report, f, now=now)
    name = f"pregonero-weekly-{now.date().isoformat()}.csv"
    return web.Response(
        text=to_csv(rows, WEEKLY_COLUMNS), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )
