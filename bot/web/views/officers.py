"""Officers (admin): how many people, by region, port of entry, role and language.

Counts only: no page lists a person next to anything they wrote.
"""

from __future__ import annotations

from aiohttp import web
from sqlite_utils import Database

from bot.store import stats
from bot.web import auth, render

BREAKDOWNS = ("region", "port", "role", "language")


def small(counts: dict) -> dict:
    """The privacy rule of every page: a group of 1-4 people shows "<5" and no other figure
    (how many of them left or blocked the bot would point at individuals)."""
    if 0 < counts["enrolled"] < stats.MIN_GROUP:
        return {**counts, "enrolled": "<5", "active": None, "left": None, "blocked": None}
    return counts


def gather(db: Database) -> dict:
    return {
        "totals": small(stats.officer_totals(db)),
        "breakdowns": {by: [small(dict(r)) for r in stats.officer_breakdown(db, by)]
                       for by in BREAKDOWNS},
    }


@auth.require(*auth.ADMIN)
async def officers(request: web.Request) -> web.Response:
    data = await render.store(request).run(gather)
    return render.page(request, "officers.html", data)
