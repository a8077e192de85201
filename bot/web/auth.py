"""Who is signed in: the session cookie, and the role each page needs.

The cookie holds a random value whose hash is the session's key in the store (see
`bot.store.web`). `require(*roles)` wraps a view: no valid session answers 401 (the "how to
sign in" page), a role that may not see the page answers 403, and a POST without the
session's CSRF token answers 403.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.store import web as web_store
from bot.web import keys
from bot.web.csrf import check_csrf

COOKIE = "pregonero_session"
COMMS = ("comms", "admin")
ADMIN = ("admin",)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def load_session(request: web.Request) -> web_store.Session | None:
    """The signed-in person's session (also kept as `request[keys.SESSION]`), or None."""
    if keys.SESSION in request:
        return request[keys.SESSION]
    cookie = request.cookies.get(COOKIE)
    session = None
    if cookie:
        store = request.app[keys.STORE]
        session = await store.run(web_store.get_session, cookie, now=request.app[keys.CLOCK]())
    request[keys.SESSION] = session
    return session


def signed_in(request: web.Request) -> web_store.Session:
    """The session of a view wrapped by `require` (which has loaded it and refused the
    request without one)."""
    session = request.get(keys.SESSION)
    if session is None:
        raise web.HTTPUnauthorized()
    return session


def require(*roles: str) -> Callable[[Handler], Handler]:
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def view(request: web.Request) -> web.StreamResponse:
            session = await load_session(request)
            if session is None:
                raise web.HTTPUnauthorized()
            if session.role not in roles:
                raise web.HTTPForbidden()
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                await check_csrf(request, session.csrf)
            await _remember_lang(request, session)
            return await handler(request)

        return view

    return wrap


async def _remember_lang(request: web.Request, session: web_store.Session) -> None:
    """`?lang=en` on any page switches the session's language."""
    asked = request.query.get("lang")
    if asked in ("es", "en") and asked != session.lang:
        store = request.app[keys.STORE]
        await store.run(web_store.set_session_lang, request.cookies[COOKIE], asked)


def set_cookie(response: web.StreamResponse, request: web.Request, value: str,
               max_age: int) -> None:
    secure = request.app[keys.SETTINGS].public_web_url.startswith("https://")
    response.set_cookie(COOKIE, value, max_age=max_age, httponly=True, samesite="Lax",
                        secure=secure, path="/")


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")
