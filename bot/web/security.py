"""HTTP hardening shared by every response and every form post of the web app.

- Every response carries a strict Content-Security-Policy (scripts and styles only from this
  origin's `/static/`, no inline script, no inline style attribute, no frames),
  `X-Content-Type-Options: nosniff`, and a `Server` header without a version.
- Every request that changes something (any method but GET, HEAD and OPTIONS) must come from
  this site: a browser's `Origin` must be this app's own (`null` only when `Sec-Fetch-Site`
  says `same-origin`), and its `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by
  the person). Pages use `Referrer-Policy: same-origin`, so the browser sends the real
  origin. Requests without either header (command-line clients, Telegram's webhook) pass
  this check; the CSRF token and the sign-in token still apply to them.

The rule for page authors: no `<script>` blocks, no `on...=` handlers and no `style=`
attributes in templates. Put scripts and styles in `bot/web/static/` and link them.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.web import keys

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
SERVER = "Pregonero"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SAME_SITE = ("same-origin", "none")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: the same protective headers on every response, errors too."""
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Server"] = SERVER
    headers.setdefault("X-Frame-Options", "DENY")
    # `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null`
    # with the app's own form posts, which could not be told from another site's.
    headers["Referrer-Policy"] = "same-origin"


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a secret sent by a client with ours. Any text compares
    (`hmac.compare_digest` raises TypeError on non-ASCII `str`, which was an HTTP 500)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                               expected.encode("utf-8", "surrogateescape"))


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(request: web.Request) -> set[str]:
    """This app's own origins: as the request reached it, and `PREGONERO_WEB_URL`'s."""
    found = {f"{request.scheme}://{request.host}".lower()}
    public = _origin(request.app[keys.SETTINGS].public_web_url)
    if public:
        found.add(public)
    return found


def cross_site(request: web.Request) -> str | None:
    """Why a state-changing request looks like it comes from another site, or None."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in SAME_SITE:
        return f"Sec-Fetch-Site: {fetch_site[:20]}"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin == "null":
        # A sandboxed frame, a data: page or a no-referrer page, anywhere: refused unless the
        # browser also says the request is this site's own (an old policy cached in a tab).
        return None if fetch_site is not None and fetch_site.lower() == "same-origin" \
            else "Origin: null"
    if origin.lower() not in allowed_origins(request):
        return "Origin"
    return None


@web.middleware
async def same_origin_middleware(request: web.Request, handler: Handler
                                 ) -> web.StreamResponse:
    """Refuse (403) any POST, PUT, PATCH or DELETE that a browser says comes from elsewhere."""
    if request.method not in SAFE_METHODS and cross_site(request) is not None:
        raise web.HTTPForbidden(reason="request from another site")
    return await handler(request)
