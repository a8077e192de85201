"""CSRF: every form carries the session's token; a POST without it (or with another) is 403."""

from __future__ import annotations

from aiohttp import web

from bot.web.security import same_secret

FIELD = "csrf"
HEADER = "X-CSRF-Token"


async def check_csrf(request: web.Request, expected: str) -> None:
    given = request.headers.get(HEADER, "")
    if not given and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        form = await request.post()
        value = form.get(FIELD, "")
        given = value if isinstance(value, str) else ""
    if not given or not same_secret(given, expected):
        raise web.HTTPForbidden(reason="CSRF token missing or wrong")
