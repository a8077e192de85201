"""The web app's one error middleware: HTTP errors become pages in the reader's language.

401 shows how to sign in (with the `/panel` command), 403 says the page is not for this
role, 404 and 405 say so; anything unexpected is logged (no request body, no person) and
answers a plain 500 page.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.i18n import N_
from bot.web import render

log = logging.getLogger(__name__)

TITLES = {
    400: N_("Out of range"),
    401: N_("Sign in first"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    500: N_("Something went wrong"),
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status not in TITLES or request.path.startswith("/static/"):
            raise
        return _error_page(request, exc.status, exc.reason if exc.status in (400, 403) else None)
    except Exception as exc:
        if isinstance(exc, OverflowError) or (
                isinstance(exc, ValueError) and "out of range" in str(exc)):
            # A number or a date beyond what the store or the calendar takes (an id of 30
            # digits, the year 9999): the person's input, not a fault of the app.
            _ = render.gettext(request)
            return _error_page(request, 400, _("A number or a date is out of range."))
        route = request.match_info.route.name if request.match_info.route else None
        log.exception("web request failed: %s %s", request.method, route)
        return _error_page(request, 500, None)


def _error_page(request: web.Request, status: int, detail: str | None) -> web.Response:
    if request.path in ("/healthz", "/metrics"):
        return web.json_response({"error": status}, status=status)
    return render.page(request, "error.html",
                       {"status": status, "title": TITLES[status], "detail": detail},
                       status=status)
