"""Invite pages (admin): create with role, uses, expiry, region and port; QR code; revoke."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.store import kv, officers
from tests.web_helpers import ADMIN_ID, make_app, seeded_store, sign_in


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    kv.put(store.db, "bot_username", "PregoneroPruebaBot")
    return await aiohttp_client(make_app(store, tmp_path))


async def test_an_admin_creates_an_invite_and_sees_its_link_and_qr_code(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites", data={
        "csrf": csrf, "role": "officer", "uses": "30", "expires": "30d", "region": "norte",
        "port": "tijuana"}, allow_redirects=False)
    assert response.status == 303
    (invite,) = officers.list_invites(store.db)
    assert (invite.role, invite.max_uses, invite.region, invite.port) == (
        "officer", 30, "norte", "tijuana")
    assert invite.expires_at == "2026-04-17T12:00:00+00:00"
    html = await (await client.get("/invites")).text()
    assert f"https://t.me/PregoneroPruebaBot?start={invite.code}" in html
    assert html.count("<svg") == 1 and "<path" in html


async def test_a_revoked_invite_loses_its_qr_code_and_cannot_enroll(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    await client.post("/invites", data={"csrf": csrf, "role": "officer", "expires": ""})
    (invite,) = officers.list_invites(store.db)
    response = await client.post(f"/invites/{invite.code}/revoke", data={"csrf": csrf},
                                 allow_redirects=False)
    assert response.status == 303
    assert officers.get_invite(store.db, invite.code).revoked_at is not None
    html = await (await client.get("/invites")).text()
    assert "<svg" not in html
    assert "revocada" in html  # the admin reads Spanish


async def test_bad_invite_values_are_refused_with_a_message(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites", data={"csrf": csrf, "role": "king"})
    assert response.status == 400
    response = await client.post("/invites", data={"csrf": csrf, "role": "officer",
                                                   "uses": "-3", "expires": ""})
    assert response.status == 400
    assert officers.list_invites(store.db) == []


async def test_revoking_an_unknown_invite_answers_404(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites/nope/revoke", data={"csrf": csrf})
    assert response.status == 404


async def test_an_active_invites_qr_code_downloads_as_a_large_svg_to_print(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    await client.post("/invites", data={"csrf": csrf, "role": "officer", "expires": "30d",
                                        "region": "norte", "port": "tijuana"})
    (invite,) = officers.list_invites(store.db)
    assert f'href="/invites/{invite.code}/qr.svg"' in await (await client.get("/invites")).text()
    response = await client.get(f"/invites/{invite.code}/qr.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    assert f'filename="pregonero-norte-tijuana-{invite.code}.svg"' in response.headers[
        "Content-Disposition"]
    svg = await response.text()
    assert svg.startswith("<svg") and f"?start={invite.code}" in svg
    width = int(svg.split('width="', 1)[1].split('"', 1)[0])
    assert width >= 400  # big enough to print on a poster without blurring
    await client.post(f"/invites/{invite.code}/revoke", data={"csrf": csrf})
    assert (await client.get(f"/invites/{invite.code}/qr.svg")).status == 404
    html = await (await client.get("/invites")).text()
    assert f'href="https://t.me/PregoneroPruebaBot?start={invite.code}"' not in html  # not live
    assert f"<s>https://t.me/PregoneroPruebaBot?start={invite.code}</s>" in html


async def test_the_qr_download_is_for_admins_only(client, store):
    from tests.web_helpers import COMMS_ID

    code = officers.create_invite(store.db, now=datetime(2026, 3, 18, 12, tzinfo=UTC)).code
    assert (await client.get(f"/invites/{code}/qr.svg")).status == 401
    await sign_in(client, store, COMMS_ID)
    assert (await client.get(f"/invites/{code}/qr.svg")).status == 403


async def test_a_huge_number_of_uses_is_refused_with_a_message_not_an_error_page(client, store):
    csrf = await sign_in(client, store, ADMIN_ID)
    response = await client.post("/invites", data={"csrf": csrf, "role": "officer",
                                                   "uses": "1" + "0" * 30, "expires": "7d"})
    assert response.status == 400 and 'class="alert"' in await response.text()
    assert officers.list_invites(store.db) == []


@pytest.mark.parametrize("role", ["comms", "admin"])
async def test_a_comms_or_admin_invite_needs_a_number_of_uses(client, store, role):
    csrf = await sign_in(client, store, ADMIN_ID)
    await client.get("/invites?lang=es")
    response = await client.post("/invites", data={"csrf": csrf, "role": role, "uses": "",
                                                   "expires": "7d"})
    assert response.status == 400
    assert "abre el panel web" in await response.text()
    assert officers.list_invites(store.db) == []
    response = await client.post("/invites", data={"csrf": csrf, "role": role, "uses": "1",
                                                   "expires": "7d"}, allow_redirects=False)
    assert response.status == 303 and officers.list_invites(store.db)[0].max_uses == 1
