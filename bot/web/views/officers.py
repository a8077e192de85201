"""Officers (admin): how many people, by region, port of entry, role and language.

Counts only: no page lists a person next to anything they wrote.
"""

from __future__ import annotations

from aiohttp import web
from sqlite_utils import Database

from bot.store import stats
from bot.web import auth, render

BREAKDOWNS = ("region", "port", "role", "language")


def gather(db: Database) -> dict:
    return {
        "totals": stats.officer_totals(db),
        "breakdowns": {by: stats.officer_breakdown(db, by) for by in BREAKDOWNS},
    }


@auth.require(*auth.ADMIN)
async def officers(request: web.Request) -> web.Response:
    data = await render.store(request).run(gather)
    return render.page(request, "officers.html", data)
