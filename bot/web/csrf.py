"""CSRF: every form carries the session's token; a POST without it (or with another) is 403."""

from __future__ import annotations

import hmac

from aiohttp import web

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
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPForbidden(reason="CSRF token missing or wrong")
