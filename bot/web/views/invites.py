"""Invites (admin): create and revoke enrollment codes, each with a QR code of its deep link."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import segno
from aiohttp import web
from markupsafe import Markup
from sqlite_utils import Database

from bot.enroll import deep_link
from bot.errors import PregoneroError
from bot.store import officers
from bot.web import auth, render

MAX_USES = 1_000_000
EXPIRY_CHOICES = {"": None, "1d": 1, "7d": 7, "30d": 30, "90d": 90}


def qr_svg(link: str, *, scale: int = 4, border: int = 2) -> Markup:
    """The deep link as an inline SVG QR code (for posters at ports of entry)."""
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="svg", scale=scale, border=border,
                                     xmldecl=False, svgns=True, title=link, nl=False)
    return Markup(buf.getvalue().decode("utf-8"))


def gather(db: Database, now: datetime) -> list[dict]:
    out = []
    for inv in officers.list_invites(db):
        link = deep_link(db, inv.code)
        state = "active"
        problem = officers.check_invite(inv, now)
        if problem is not None:
            state = str(problem)
        out.append({"invite": inv, "link": link, "state": state,
                    "qr": qr_svg(link) if state == "active" else None})
    return out


async def _page(request: web.Request, error: str | None = None, status: int = 200
                ) -> web.Response:
    now = render.now(request)
    rows = await render.store(request).run(gather, now)
    failures = await render.store(request).run(officers.invite_failure_summary, now)
    return render.page(request, "invites.html",
                       {"rows": rows, "error": error, "expiry_choices": EXPIRY_CHOICES,
                        "failures": failures}, status=status)


@auth.require(*auth.ADMIN)
async def list_invites(request: web.Request) -> web.Response:
    return await _page(request)


@auth.require(*auth.ADMIN)
async def create_invite(request: web.Request) -> web.Response:
    _ = render.gettext(request)
    form = await request.post()
    role = str(form.get("role", "officer"))
    uses_text = str(form.get("uses", "")).strip()
    expiry = str(form.get("expires", ""))
    if role not in ("officer", "comms", "admin") or expiry not in EXPIRY_CHOICES:
        return await _page(request, _("Choose a role and an expiry from the lists."), 400)
    if uses_text and (not uses_text.isdigit() or not 1 <= int(uses_text) <= MAX_USES):
        return await _page(request, _("Uses must be a whole number of 1 or more."), 400)
    if role != "officer" and not uses_text:
        return await _page(request, _("An invite for comms or admin opens the web app to whoever "
                                      "has the link: give it a number of uses (1 for one "
                                      "person)."), 400)
    try:
        region = officers.check_place("region", str(form.get("region", "")))
        port = officers.check_place("port", str(form.get("port", "")))
    except PregoneroError:
        return await _page(request, _("Region and port of entry may use only letters, digits, "
                                      "-, _ and . (for example norte, tijuana)."), 400)
    now = render.now(request)
    days = EXPIRY_CHOICES[expiry]
    try:
        await render.store(request).run(
            officers.create_invite, role=officers.Role(role),
            max_uses=int(uses_text) if uses_text else None,
            expires_at=now + timedelta(days=days) if days else None,
            region=region, port=port, now=now,
        )
    except PregoneroError as exc:
        return await _page(request, str(exc), 400)
    return render.redirect(request, "invites")


@auth.require(*auth.ADMIN)
async def revoke_invite(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    try:
        await render.store(request).run(officers.revoke_invite, code,
                                        now=render.now(request))
    except PregoneroError as exc:
        raise web.HTTPNotFound() from exc
    return render.redirect(request, "invites")


@auth.require(*auth.ADMIN)
async def invite_qr(request: web.Request) -> web.Response:
    """An active invite's QR code as a file, large and with its quiet zone, to print."""
    code = request.match_info["code"]
    rows = await render.store(request).run(gather, render.now(request))
    row = next((r for r in rows if r["invite"].code == code and r["state"] == "active"), None)
    if row is None:
        raise web.HTTPNotFound()
    inv = row["invite"]
    name = "-".join(x for x in ("pregonero", inv.region, inv.port, code) if x)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return web.Response(
        text=str(qr_svg(row["link"], scale=16, border=4)), content_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{safe}.svg"',
                 "Cache-Control": "no-store"})
