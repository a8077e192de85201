"""Signing in with the one-time link from `/panel`, and signing out."""

from __future__ import annotations

from aiohttp import web

from bot.store import web as web_store
from bot.web import auth, keys, render


async def how_to_sign_in(request: web.Request) -> web.Response:
    """How to get a sign-in link (also shown, with status 401, for any page without one)."""
    await auth.load_session(request)
    return render.page(request, "signin.html", {})


async def login_page(request: web.Request) -> web.Response:
    """The link's page: one button that uses the token up.

    Opening the link does not sign in by itself, so a link preview fetched by a chat app
    cannot use up the one-time token.
    """
    token = request.match_info["token"]
    store = request.app[keys.STORE]
    if not await store.run(web_store.login_token_usable, token, now=request.app[keys.CLOCK]()):
        request[keys.SESSION] = None
        return render.page(request, "signin.html", {"expired": True}, status=401)
    return render.page(request, "login.html", {"token": token})


async def login(request: web.Request) -> web.Response:
    # Another site's form (or a sandboxed page's, `Origin: null`) cannot sign a browser in
    # with the attacker's token: `security.same_origin_middleware` refuses it before this.
    store = request.app[keys.STORE]
    opened = await store.run(web_store.redeem_login_token, request.match_info["token"],
                             now=request.app[keys.CLOCK]())
    if opened is None:
        request[keys.SESSION] = None
        return render.page(request, "signin.html", {"expired": True}, status=401)
    cookie, session = opened
    response = render.redirect(request, "overview")
    auth.set_cookie(response, request, cookie, int(web_store.SESSION_TTL.total_seconds()))
    response.set_cookie(render.LANG_COOKIE, session.lang, max_age=365 * 86400, httponly=True,
                        samesite="Lax", path="/")
    return response


@auth.require(*auth.COMMS)
async def logout(request: web.Request) -> web.Response:
    store = request.app[keys.STORE]
    await store.run(web_store.end_session, request.cookies[auth.COOKIE])
    response = render.redirect(request, "signin")
    auth.clear_cookie(response)
    return response
