"""Who may see what: sign-in by one-time link, session cookie, roles, CSRF, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import web as web_store
from tests.web_helpers import ADMIN_ID, COMMS_ID, NOW, OFFICER_ID, make_app, seeded_store, sign_in

PUBLIC = {"/signin", "/healthz", "/metrics"}
COMMS_PAGES = ["/", "/campaigns", "/campaigns/new", "/content", "/gaps"]
ADMIN_PAGES = ["/officers", "/invites", "/exports", "/exports/weekly.csv"]
POSTS = ["/logout", "/campaigns/new", "/campaigns/1/pause", "/invites", "/invites/abc/revoke"]


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


def _all_pages(app) -> list[tuple[str, str]]:
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path or path.startswith("/static") or route.method == "HEAD":
            continue
        path = (path.replace("{id}", "1").replace("{action}", "pause")
                .replace("{code}", "abc").replace("{token}", "x"))
        out.append((route.method, path))
    return out


async def test_every_page_without_a_session_answers_401_with_how_to_sign_in(client):
    checked = 0
    for method, path in _all_pages(client.server.app):
        if path in PUBLIC or path.startswith("/login/"):
            continue
        response = await client.request(method, path, allow_redirects=False)
        assert response.status == 401, (method, path)
        checked += 1
        if method == "GET":
            assert "/panel" in await response.text()
    assert checked >= len(COMMS_PAGES) + len(ADMIN_PAGES) + len(POSTS)


async def test_the_sign_in_page_and_health_are_open(client):
    for path in PUBLIC:
        assert (await client.get(path)).status == 200, path


async def test_a_comms_person_sees_comms_pages_but_admin_pages_answer_403(client, store):
    await sign_in(client, store, COMMS_ID)
    for path in COMMS_PAGES:
        assert (await client.get(path)).status == 200, path
    for path in ADMIN_PAGES:
        response = await client.get(path)
        assert response.status == 403, path
        assert "role" in await response.text()


async def test_an_admin_sees_every_page(client, store):
    await sign_in(client, store, ADMIN_ID)
    for path in COMMS_PAGES + ADMIN_PAGES:
        assert (await client.get(path)).status == 200, path


async def test_the_navigation_shows_only_the_pages_of_the_role(client, store):
    await sign_in(client, store, COMMS_ID)
    html = await (await client.get("/")).text()
    assert 'href="/campaigns"' in html and 'href="/invites"' not in html


async def test_the_session_cookie_is_httponly_samesite_and_expires(client, store):
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    response = await client.post(f"/login/{token}", allow_redirects=False)
    cookie = response.cookies["pregonero_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == int(web_store.SESSION_TTL.total_seconds())
    assert not cookie["secure"]  # the app is served over http here
    assert response.headers["Location"] == "/"


async def test_the_cookie_is_secure_when_the_public_url_is_https(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    client = await aiohttp_client(make_app(store, tmp_path, web_url="https://panel.example"))
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    response = await client.post(f"/login/{token}", allow_redirects=False)
    assert response.cookies["pregonero_session"]["secure"]


async def test_opening_the_link_does_not_use_it_up_until_the_button_is_pressed(client, store):
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    for _ in range(2):  # e.g. a chat app's link preview, then the person
        assert (await client.get(f"/login/{token}")).status == 200
    assert (await client.post(f"/login/{token}", allow_redirects=False)).status == 303


async def test_a_sign_in_link_works_only_once(client, store):
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    assert (await client.post(f"/login/{token}", allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    again = await client.post(f"/login/{token}", allow_redirects=False)
    assert again.status == 401
    assert "/panel" in await again.text()
    assert (await client.get("/")).status == 401


async def test_an_expired_sign_in_link_is_refused(client, store):
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW - timedelta(minutes=11))
    page = await client.get(f"/login/{token}")
    assert page.status == 401 and "/panel" in await page.text()
    assert (await client.post(f"/login/{token}", allow_redirects=False)).status == 401


async def test_an_officer_with_a_link_gets_no_session(client, store):
    token = web_store.create_login_token(store.db, OFFICER_ID, now=NOW)
    assert (await client.post(f"/login/{token}", allow_redirects=False)).status == 401


async def test_a_sign_in_posted_from_another_site_is_refused(client, store):
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    response = await client.post(f"/login/{token}", headers={"Origin": "https://evil.example"},
                                 allow_redirects=False)
    assert response.status == 403


async def test_a_post_without_the_csrf_token_answers_403(client, store):
    await sign_in(client, store, ADMIN_ID)
    for path in POSTS:
        response = await client.post(path, data={"role": "officer"}, allow_redirects=False)
        assert response.status == 403, path
        wrong = await client.post(path, data={"csrf": "nope"}, allow_redirects=False)
        assert wrong.status == 403, path


async def test_a_post_with_the_csrf_token_is_accepted(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites", data={"csrf": csrf, "role": "officer",
                                                   "expires": "7d"}, allow_redirects=False)
    assert response.status == 303


async def test_the_csrf_token_may_come_in_a_header(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites", data={"role": "officer", "expires": ""},
                                 headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert response.status == 303


async def test_signing_out_ends_the_session(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/signin"
    assert (await client.get("/")).status == 401
    assert store.db["web_sessions"].count == 0


async def test_a_stolen_cookie_stops_working_after_sign_out(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["pregonero_session"]
    await client.post("/logout", data={"csrf": csrf})
    response = await client.get("/", cookies={"pregonero_session": cookie.value})
    assert response.status == 401


async def test_an_unknown_page_answers_404(client):
    assert (await client.get("/nothing-here")).status == 404
