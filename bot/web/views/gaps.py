"""Content gaps: what officers ask that finds nothing, and cards rated not useful."""

from __future__ import annotations

from aiohttp import web
from sqlite_utils import Database

from bot.i18n import N_
from bot.store import cards, stats
from bot.store.filters import Filters
from bot.web import auth, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters, small_group_page


def gather(db: Database, f: Filters, lang: str) -> dict:
    return {
        "queries": stats.zero_result_queries(db, f, limit=100),
        "not_useful": stats.not_useful_cards(db, f, limit=50),
        "titles": cards.card_titles(db, lang),
        "choices": stats.filter_choices(db),
    }


@auth.require(*auth.COMMS)
async def gaps(request: web.Request) -> web.Response:
    f, chosen = parse_filters(request, render.now(request))
    hidden = await small_group_page(request, f, chosen, N_("Content gaps"))
    if hidden is not None:
        return hidden
    data = await render.store(request).run(gather, f, render.request_lang(request))
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "gaps.html", data)
