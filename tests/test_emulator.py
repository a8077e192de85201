"""The Bot API emulator behaves like Telegram: shapes, errors, limits, updates, files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.testkit.emulator import (
    CHAT_ACTIONS,
    METHODS,
    NOT_MODIFIED,
    SECRET_HEADER,
    Emulator,
    EmulatorError,
)
from bot.testkit.ratelimit import RateLimits
from bot.testkit.tghtml import HtmlError, parse_html, to_html
from tests.factories import write_card

API_JSON = Path(__file__).resolve().parent / "data" / "telegram" / "api.json"
TOKEN = "123456:TEST"


async def call(emu: Emulator, method: str, *, token: str = TOKEN, as_json: bool = False,
               **params: Any) -> tuple[int, dict]:
    """POST a method as PTB does (form fields, JSON inside) or as JSON; (status, body)."""
    url = f"{emu.base_url}{token}/{method}"
    async with aiohttp.ClientSession() as session:
        if as_json:
            resp = await session.post(url, json=params)
        else:
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            resp = await session.post(url, data=form)
        async with resp:
            return resp.status, await resp.json()


@pytest.fixture
def ana(emulator: Emulator):
    """A user who has started the bot."""
    emulator.add_user(42, "Ana", "es")
    emulator.bot.started.add(42)
    return 42


def button(text: str, data: str) -> dict:
    return {"text": text, "callback_data": data}


# ------------------------------------------------------------------ the spec


def spec() -> dict:
    return json.loads(API_JSON.read_text(encoding="utf-8"))


def test_every_served_method_exists_in_the_bot_api_spec():
    methods = spec()["methods"]
    assert set(METHODS) <= set(methods), set(METHODS) - set(methods)


def test_every_parameter_the_emulator_reads_exists_in_the_spec_with_the_same_required_flag():
    methods = spec()["methods"]
    for name, params in METHODS.items():
        fields = {f["name"]: f for f in methods[name].get("fields", [])}
        for param, kind in params.items():
            assert param in fields, f"{name}.{param} is not in the spec"
            assert kind.endswith("!") == fields[param]["required"], f"{name}.{param}"


def test_every_required_parameter_of_a_served_method_is_checked():
    methods = spec()["methods"]
    for name, params in METHODS.items():
        required = {f["name"] for f in methods[name].get("fields", []) if f["required"]}
        checked = {p for p, kind in params.items() if kind.endswith("!")}
        assert required == checked, name


def test_the_chat_actions_accepted_are_the_specs():
    text = " ".join(f["description"] for f in spec()["methods"]["sendChatAction"]["fields"]
                    if f["name"] == "action")
    for action in CHAT_ACTIONS:
        assert action in text


async def test_a_missing_required_parameter_is_refused_in_telegrams_words(emulator, ana):
    assert await call(emulator, "sendMessage", text="hola") == (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"})
    status, body = await call(emulator, "sendMessage", chat_id=42)
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(emulator, "answerCallbackQuery")
    assert body["description"] == 'Bad Request: parameter "callback_query_id" is required'
    status, body = await call(emulator, "sendPhoto", chat_id=42)
    assert body["description"] == "Bad Request: there is no photo in the request"


# ------------------------------------------------------------------ requests and replies


async def test_get_me_answers_the_bot_user_and_method_names_are_case_insensitive(emulator):
    status, body = await call(emulator, "GETME")
    assert status == 200 and body["ok"] is True
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "PregoneroTestBot"


async def test_a_get_request_with_a_query_string_works(emulator):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emulator.base_url}{TOKEN}/getMe?x=1") as resp:
            assert resp.status == 200
            assert (await resp.json())["ok"] is True


async def test_an_unknown_token_gets_401_and_an_unknown_method_404(emulator):
    assert await call(emulator, "getMe", token="1:nope") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert await call(emulator, "sendCarrierPigeon") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_json_bodies_are_accepted_like_form_bodies(emulator, ana):
    status, body = await call(emulator, "sendMessage", as_json=True, chat_id=42, text="hola",
                              reply_markup={"inline_keyboard": [[button("Sí", "y")]]})
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"


async def test_a_sent_message_has_telegrams_shape(emulator, ana):
    _, body = await call(emulator, "sendMessage", chat_id="42", text="<b>Hola</b> equipo",
                         parse_mode="HTML")
    msg = body["result"]
    assert msg["message_id"] == 1
    assert msg["from"]["is_bot"] is True
    assert msg["chat"] == {"id": 42, "first_name": "Ana", "type": "private"}
    assert isinstance(msg["date"], int)
    assert msg["text"] == "Hola equipo"
    assert msg["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert "reply_markup" not in msg


async def test_ptb_sends_and_reads_replies_through_the_emulator(emulator, bot, ana):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Útil", callback_data="v1:u:x")]])
    msg = await bot.send_message(42, "<i>Tarjeta</i>", parse_mode="HTML", reply_markup=markup)
    assert msg.text == "Tarjeta"
    assert msg.reply_markup == markup
    sent = emulator.bot_messages(42)[-1]
    assert sent.html == "<i>Tarjeta</i>"
    assert sent.button_texts == ["Útil"]


# ------------------------------------------------------------------ errors as PTB sees them


async def test_a_user_who_blocked_the_bot_gives_ptb_forbidden(emulator, bot, ana):
    emulator.block(42)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "hola")


async def test_a_deactivated_user_gives_forbidden_user_is_deactivated(emulator, bot, ana):
    emulator.deactivate(42)
    status, body = await call(emulator, "sendMessage", chat_id=42, text="x")
    assert (status, body["description"]) == (403, "Forbidden: user is deactivated")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(42, "hola")


async def test_an_unknown_chat_gives_bad_request_chat_not_found(emulator, bot):
    status, body = await call(emulator, "sendMessage", chat_id=77, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(77, "hola")


async def test_a_user_who_never_wrote_cannot_be_messaged(emulator):
    emulator.add_user(55)
    status, body = await call(emulator, "sendMessage", chat_id=55, text="x")
    assert (status, body["description"]) == (
        403, "Forbidden: bot can't initiate conversation with a user")


async def test_a_forced_429_carries_retry_after_and_becomes_ptb_retry_after(emulator, bot, ana):
    emulator.force_429(2, retry_after=7)
    assert await call(emulator, "sendMessage", chat_id=42, text="x") == (
        429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
              "parameters": {"retry_after": 7}})
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "x")
    ra = caught.value.retry_after
    assert (ra.total_seconds() if hasattr(ra, "total_seconds") else ra) == 7
    await bot.send_message(42, "now it goes")
    assert emulator.stats.too_many_requests == 2


async def test_a_share_of_server_errors_is_injected_reproducibly(emulator, ana):
    emulator.limits.enabled = False  # 20 sends to one chat at once: flood limits aside

    async def run() -> list[int]:
        emulator.set_error_rate(0.5, seed=3)
        return [(await call(emulator, "sendMessage", chat_id=42, text="x"))[0]
                for _ in range(20)]

    first = await run()
    assert set(first) == {200, 500}
    assert await run() == first
    status, body = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    emulator.set_error_rate(1.0)
    assert await call(emulator, "sendMessage", chat_id=42, text="x") == (status, body)
    assert emulator.stats.server_errors == 2 * first.count(500) + 1


async def test_a_server_error_is_a_network_error_for_ptb(emulator, bot, ana):
    emulator.set_error_rate(1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(42, "x")


async def test_an_unknown_token_is_invalid_token_for_ptb(emulator):
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=emulator.base_url) as b:
            await b.get_me()


async def test_bad_html_is_refused_with_the_byte_offset(emulator, bot, ana):
    status, body = await call(emulator, "sendMessage", chat_id=42, text="ñ <foo>x</foo>",
                              parse_mode="HTML")
    assert (status, body["description"]) == (
        400, 'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 3')
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(42, "<br>", parse_mode="HTML")


async def test_text_over_4096_code_points_after_parsing_is_too_long(emulator, ana):
    ok = "<b>" + "é" * 4096 + "</b>"  # 4096 code points after parsing, 8192 bytes
    assert (await call(emulator, "sendMessage", chat_id=42, text=ok, parse_mode="HTML"))[0] == 200
    status, body = await call(emulator, "sendMessage", chat_id=42, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")


async def test_text_that_is_only_spaces_or_empty_tags_is_empty(emulator, ana):
    for text in ("   ", "<b></b>", "\n"):
        status, body = await call(emulator, "sendMessage", chat_id=42, text=text,
                                  parse_mode="HTML")
        assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_callback_data_over_64_bytes_is_button_data_invalid(emulator, bot, ana):
    ok = {"inline_keyboard": [[button("a", "é" * 32)]]}  # 64 bytes
    assert (await call(emulator, "sendMessage", chat_id=42, text="x", reply_markup=ok))[0] == 200
    for data in ("é" * 32 + "x", ""):
        markup = {"inline_keyboard": [[button("a", data)]]}
        status, body = await call(emulator, "sendMessage", chat_id=42, text="x",
                                  reply_markup=markup)
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    long = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(42, "x", reply_markup=long)


async def test_a_keyboard_of_the_wrong_shape_is_refused(emulator, ana):
    cases = {
        '{"inline_keyboard": [{"text": "a"}]}': (
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an '
            "Array of Arrays"),
        '{"inline_keyboard": [[{"text": "a"}]]}': "Bad Request: can't parse inline keyboard "
                                                  "button: Text buttons are unallowed in the "
                                                  "inline keyboard",
        '{"inline_keyboard": [[{"text": "a", "url": "ftp://x"}]]}': "Bad Request: "
                                                                   "BUTTON_URL_INVALID",
        '"nope"': "Bad Request: can't parse reply keyboard markup JSON object",
    }
    for markup, description in cases.items():
        status, body = await call(emulator, "sendMessage", chat_id=42, text="x",
                                  reply_markup=markup)
        assert (status, body["description"]) == (400, description)


async def test_editing_with_identical_content_is_not_modified(emulator, bot, ana):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    msg = await bot.send_message(42, "<b>uno</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>uno</b>", 42, msg.message_id, parse_mode="HTML",
                                    reply_markup=markup)
    _, body = await call(emulator, "editMessageText", chat_id=42,
                         message_id=msg.message_id, text="<b>uno</b>", parse_mode="HTML",
                         reply_markup=markup.to_dict())
    assert body["description"] == f"Bad Request: {NOT_MODIFIED}"
    edited = await bot.edit_message_text("dos", 42, msg.message_id)
    assert edited.text == "dos" and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    kept = emulator.message(42, msg.message_id)
    assert (kept.text, kept.edits, kept.buttons) == ("dos", 1, [])


async def test_edit_reply_markup_and_delete_apply_to_the_transcript(emulator, bot, ana):
    msg = await bot.send_message(42, "x")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]])
    await bot.edit_message_reply_markup(42, msg.message_id, reply_markup=markup)
    assert emulator.message(42, msg.message_id).button_texts == ["b"]
    assert await bot.delete_message(42, msg.message_id) is True
    assert emulator.transcript(42) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(42, msg.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("y", 42, 999)


async def test_answering_a_callback_twice_or_an_unknown_one_is_refused(emulator, bot, ana):
    msg = await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("Útil", callback_data="v1:u")]]))
    query_id = await emulator.tap(42, msg.message_id, "Útil")
    assert await bot.answer_callback_query(query_id, text="Gracias") is True
    assert await emulator.wait_answer(query_id) == {"text": "Gracias", "show_alert": False,
                                                    "url": None}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("123")


# ------------------------------------------------------------------ rate limits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_chat_gets_429_after_its_burst_and_recovers_after_retry_after():
    clock = FakeClock()
    emu = Emulator(rate_limits=RateLimits(enabled=True, per_chat_burst=2, clock=clock))
    await emu.start()
    try:
        emu.add_user(42)
        emu.bot.started.add(42)
        assert [(await call(emu, "sendMessage", chat_id=42, text="x"))[0]
                for _ in range(2)] == [200, 200]
        status, body = await call(emu, "sendMessage", chat_id=42, text="x")
        assert status == 429 and body["parameters"] == {"retry_after": 1}
        clock.now += 1
        assert (await call(emu, "sendMessage", chat_id=42, text="x"))[0] == 200
    finally:
        await emu.stop()


async def test_a_paid_broadcast_goes_through_when_the_free_limit_is_spent():
    clock = FakeClock()
    emu = Emulator(rate_limits=RateLimits(enabled=True, per_second=2, burst=2, clock=clock))
    await emu.start()
    try:
        for uid in (1, 2, 3):
            emu.add_user(uid)
            emu.bot.started.add(uid)
        assert (await call(emu, "sendMessage", chat_id=1, text="x"))[0] == 200
        assert (await call(emu, "sendMessage", chat_id=2, text="x"))[0] == 200
        assert (await call(emu, "sendMessage", chat_id=3, text="x"))[0] == 429
        status, _ = await call(emu, "sendMessage", chat_id=3, text="x",
                               allow_paid_broadcast=True)
        assert status == 200
        emu.limits.enabled = False  # lifted
        assert (await call(emu, "sendMessage", chat_id=3, text="x"))[0] == 200
    finally:
        await emu.stop()


def test_the_overall_limit_is_30_per_second_and_paid_broadcasts_allow_1000():
    clock = FakeClock()
    limits = RateLimits(enabled=True, clock=clock)
    assert [limits.check(chat) for chat in range(30)] == [0] * 30
    assert limits.check(31) == 1
    assert all(limits.check(100 + chat, paid=True) == 0 for chat in range(1000))
    assert limits.check(5000, paid=True) == 1
    clock.now += 1
    assert limits.check(31) == 0


def test_the_retry_after_grows_with_the_wait_and_lifting_limits_lets_everything_through():
    clock = FakeClock()
    limits = RateLimits(enabled=True, per_chat_per_second=0.1, per_chat_burst=1, clock=clock)
    assert limits.check(1) == 0
    assert limits.check(1) == 10
    limits.enabled = False
    assert limits.check(1) == 0


# ------------------------------------------------------------------ updates


async def test_a_user_message_arrives_through_get_updates_with_a_bot_command_entity(
        emulator, bot):
    emulator.add_user(42, "Ana", "en-US")
    await emulator.send_text(42, "/start CODE123")
    [update] = await bot.get_updates(timeout=1)
    assert update.message.text == "/start CODE123"
    assert update.message.from_user.language_code == "en-US"
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [
        ("bot_command", 0, 6)]
    await emulator.send_text(42, "¿qué hago con un menor?")
    [update2] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert update2.message.entities == ()


async def test_get_updates_confirms_updates_below_the_offset(emulator):
    emulator.add_user(42)
    for text in ("a", "b", "c"):
        await emulator.send_text(42, text)
    _, body = await call(emulator, "getUpdates")
    ids = [u["update_id"] for u in body["result"]]
    assert len(ids) == 3 and ids == sorted(ids) and ids[1] == ids[0] + 1
    _, body = await call(emulator, "getUpdates", offset=ids[0], limit=1)
    assert [u["update_id"] for u in body["result"]] == ids[:1]
    _, body = await call(emulator, "getUpdates", offset=ids[1])
    assert [u["message"]["text"] for u in body["result"]] == ["b", "c"]
    _, body = await call(emulator, "getUpdates", offset=ids[0])  # confirmed: gone
    assert [u["message"]["text"] for u in body["result"]] == ["b", "c"]
    _, body = await call(emulator, "getUpdates", offset=-1)
    assert [u["message"]["text"] for u in body["result"]] == ["c"]


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(emulator):
    import asyncio

    emulator.add_user(42)
    poll = asyncio.create_task(call(emulator, "getUpdates", timeout=30))
    await emulator.wait_for(lambda: emulator.stats.requests["getUpdates"] == 1)
    await emulator.send_text(42, "hola")
    status, body = await poll
    assert status == 200 and body["result"][0]["message"]["text"] == "hola"


async def test_a_second_poller_terminates_the_first_with_409(emulator):
    import asyncio

    first = asyncio.create_task(call(emulator, "getUpdates", timeout=30))
    await emulator.wait_for(lambda: emulator.stats.requests["getUpdates"] == 1)
    assert (await call(emulator, "getUpdates"))[0] == 200
    status, body = await first
    assert (status, body["description"]) == (
        409, "Conflict: terminated by other getUpdates request; make sure that only one bot "
             "instance is running")


async def test_tapping_a_button_makes_a_callback_query_and_unknown_buttons_are_refused(
        emulator, bot, ana):
    msg = await bot.send_message(42, "card", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("Útil", callback_data="v1:u:c1"),
          InlineKeyboardButton("Web", url="https://example.org")]]))
    query_id = await emulator.tap(42, msg.message_id, "v1:u:c1")
    [update] = await bot.get_updates()
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "v1:u:c1"
    assert update.callback_query.message.message_id == msg.message_id
    with pytest.raises(EmulatorError):
        await emulator.tap(42, msg.message_id, "v1:forged")
    with pytest.raises(EmulatorError):
        await emulator.tap(42, msg.message_id, "Web")


async def test_blocking_and_unblocking_send_my_chat_member_updates(emulator, bot, ana):
    emulator.block(42)
    emulator.unblock(42)
    updates = await bot.get_updates(allowed_updates=["my_chat_member", "message"])
    statuses = [(u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
                for u in updates]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_get_updates_is_refused_while_a_webhook_is_set(emulator, bot):
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_a_webhook_receives_updates_with_the_secret_header(emulator, bot):
    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        emulator.add_user(42)
        await emulator.send_text(42, "uno")
        await emulator.send_text(42, "dos")
        await emulator.wait_for(lambda: len(received) == 2 and not emulator.bot.updates)
        assert [(secret, u["message"]["text"]) for secret, u in received] == [
            ("s3cr3t", "uno"), ("s3cr3t", "dos")]
        assert (await bot.get_webhook_info()).pending_update_count == 0
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


# ------------------------------------------------------------------ commands and files


async def test_command_menus_are_stored_per_scope_and_language(emulator, bot):
    from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

    await bot.set_my_commands([("ayuda", "Ayuda")])
    await bot.set_my_commands([("help", "Help")], language_code="en")
    await bot.set_my_commands([("panel", "Panel")], scope=BotCommandScopeChat(999))
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["help"]
    assert [c.command for c in await bot.get_my_commands()] == ["ayuda"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert [c["command"] for c in emulator.commands_for(42, "en")] == ["help"]
    assert [c["command"] for c in emulator.commands_for(42, "es")] == ["ayuda"]
    assert [c["command"] for c in emulator.commands_for(999, "en")] == ["panel"]
    await bot.delete_my_commands(language_code="en")
    assert [c["command"] for c in emulator.commands_for(42, "en")] == ["ayuda"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Ayuda!", "x")])


async def test_an_uploaded_photo_gets_a_file_id_that_can_be_sent_again(emulator, bot, ana):
    emulator.limits.enabled = False  # six sends to one chat at once: flood limits aside
    first = await bot.send_photo(42, b"\x89PNG fake", caption="<b>Flujo</b>", parse_mode="HTML")
    assert first.caption == "Flujo" and first.photo[-1].file_id
    again = await bot.send_photo(42, first.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id
    assert (emulator.stats.uploads, emulator.stats.file_id_reuses) == (1, 1)
    doc = await bot.send_document(42, b"%PDF-1.4", filename="sop.pdf")
    assert doc.document.file_name == "sop.pdf"
    await bot.send_document(42, doc.document.file_id)
    assert (emulator.stats.uploads, emulator.stats.file_id_reuses) == (2, 2)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(42, "AgACnotreal")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type document as photo"):
        await bot.send_photo(42, doc.document.file_id)
    file = await bot.get_file(doc.document.file_id)
    assert file.file_path.endswith(".pdf")


async def test_a_caption_over_1024_after_parsing_is_too_long(emulator, ana):
    status, body = await call(emulator, "sendPhoto", chat_id=42, photo="https://x.org/a.png",
                              caption="x" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")
    status, _ = await call(emulator, "sendPhoto", chat_id=42, photo="https://x.org/a.png",
                           caption="<b>" + "x" * 1024 + "</b>", parse_mode="HTML")
    assert status == 200


async def test_chat_actions_are_checked(emulator, bot, ana):
    assert await bot.send_chat_action(42, "typing") is True
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(42, "dancing")


# ------------------------------------------------------------------ waiting and transcripts


async def test_next_bot_message_returns_each_new_message_once(emulator, bot, ana):
    await bot.send_message(42, "uno")
    await bot.send_message(42, "dos")
    assert (await emulator.next_bot_message(42)).text == "uno"
    assert (await emulator.next_bot_message(42)).text == "dos"
    with pytest.raises(AssertionError, match="no new bot message"):
        await emulator.next_bot_message(42, timeout=0.05)


async def test_the_transcript_keeps_both_sides_in_order(emulator, bot):
    emulator.add_user(42)
    await emulator.send_text(42, "hola")
    await bot.send_message(42, "buenas")
    assert [(m.from_bot, m.text, m.message_id) for m in emulator.transcript(42)] == [
        (False, "hola", 1), (True, "buenas", 2)]
    assert emulator.stats.delivered[42] == 1


async def test_the_control_routes_let_another_process_play_the_user(emulator, bot):
    async with aiohttp.ClientSession() as s:
        base = f"{emulator.url}/_emulator"
        async with s.post(f"{base}/users", json={"id": 7, "language_code": "en"}) as r:
            assert (await r.json())["id"] == 7
        async with s.post(f"{base}/users/7/send", json={"text": "hi"}) as r:
            assert (await r.json())["text"] == "hi"
        msg = await bot.send_message(7, "<b>ok</b>", parse_mode="HTML",
                                     reply_markup=InlineKeyboardMarkup(
                                         [[InlineKeyboardButton("Yes", callback_data="y")]]))
        async with s.get(f"{base}/chats/7", params={"after": 0, "wait": 1}) as r:
            data = await r.json()
        assert [m["text"] for m in data["messages"]] == ["hi", "ok"]
        assert data["messages"][1]["html"] == "<b>ok</b>"
        async with s.post(f"{base}/users/7/tap",
                          json={"message_id": msg.message_id, "data": "nope"}) as r:
            assert r.status == 400
        async with s.post(f"{base}/users/7/tap",
                          json={"message_id": msg.message_id, "data": "y"}) as r:
            query_id = (await r.json())["callback_query_id"]
        updates = await bot.get_updates()
        await updates[-1].callback_query.answer("done")
        async with s.get(f"{base}/callbacks/{query_id}") as r:
            assert (await r.json())["text"] == "done"
        async with s.post(f"{base}/users/7/block") as r:
            assert r.status == 200
        async with s.post(f"{base}/faults", json={"force_429": 1, "retry_after": 2}) as r:
            assert r.status == 200
        async with s.get(f"{base}/stats") as r:
            assert (await r.json())["requests"]["sendMessage"] == 1


# ------------------------------------------------------------------ the HTML parser


@pytest.mark.parametrize(("html", "text", "entities"), [
    ("<b>a</b>", "a", [("bold", 0, 1)]),
    ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del>", "abcd",
     [("bold", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("strikethrough", 3, 1)]),
    ("<B>x</B>", "x", [("bold", 0, 1)]),
    ("<b>a <i>b</i></b>", "a b", [("bold", 0, 3), ("italic", 2, 1)]),
    ("&lt;&gt;&amp;&quot;&#39;&#x41;", "<>&\"'A", []),
    ("&nbsp;&apos;", "&nbsp;&apos;", []),
    ("😀<b>x</b>", "😀x", [("bold", 2, 1)]),
    ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st",
     [("spoiler", 0, 1), ("spoiler", 1, 1)]),
    ("<code>c</code>", "c", [("code", 0, 1)]),
    ("<blockquote>q</blockquote>", "q", [("blockquote", 0, 1)]),
    ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
    ("<code>a<b>b</b></code>", "ab", [("code", 0, 2)]),
    ("<pre><code>x</code></pre>", "x", [("pre", 0, 1)]),
    ("<blockquote>a<blockquote>b</blockquote></blockquote>", "ab", [("blockquote", 0, 2)]),
])
def test_the_html_parser_gives_telegrams_text_and_entities(html, text, entities):
    parsed, found = parse_html(html)
    assert parsed == text
    assert [(e["type"], e["offset"], e["length"]) for e in found] == entities


def test_links_and_preformatted_code_keep_their_arguments():
    text, entities = parse_html('<a href="https://x.org/?a=1&amp;b=2">x</a>')
    assert entities == [{"type": "text_link", "offset": 0, "length": 1,
                         "url": "https://x.org/?a=1&b=2"}]
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


@pytest.mark.parametrize(("html", "error"), [
    ("<foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<a href="x>y</a>', "Unclosed start tag at byte offset 8"),
    ("<a href>y</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at '
                      "byte offset 0"),
])
def test_the_html_parser_fails_in_telegrams_words(html, error):
    with pytest.raises(HtmlError) as caught:
        parse_html(html)
    assert str(caught.value) == error


def test_entities_turn_back_into_the_same_html():
    html = '<b>Hola <i>equipo</i></b> &amp; <a href="https://x.org">enlace</a>'
    assert to_html(*parse_html(html)) == html


# ------------------------------------------------------------------ the fixtures, with the real bot


async def test_the_real_application_enrolls_an_officer_through_the_emulator(
        emulator, enroll, store):
    from bot.store.officers import get_officer

    officer = await enroll(4242, language_code="en-GB")
    assert officer.welcome is not None and officer.welcome.from_bot
    assert emulator.stats.requests["getMe"] >= 1
    assert emulator.stats.requests["setMyCommands"] >= 1
    enrolled = await store.run(get_officer, 4242)
    assert enrolled is not None and enrolled.language == "en"


async def test_a_stranger_gets_a_refusal_from_the_real_application(bot_runtime, chat_user):
    stranger = chat_user(5151)
    reply = await stranger.ask("hola")
    assert reply.text and not reply.buttons


async def test_an_officer_asks_opens_a_card_and_rates_it_through_the_fixtures(
        enroll, store, emulator, tmp_path):
    from bot.clock import utcnow
    from bot.library import import_folder

    write_card(tmp_path / "messages", "ninez/nna.es.md",
               title="Niñas, niños y adolescentes no acompañados", kind="sop",
               keywords=["NNA", "menor no acompañado"], body="Avisa a la **Procuraduría**.")
    await store.run(import_folder, tmp_path / "messages", utcnow())
    officer = await enroll(language_code="es")
    results = await officer.ask("menor no acompañado")
    await officer.tap(results, "Niñas, niños")
    card = await officer.next()
    assert "Procuraduría" in card.content
    answer = await officer.tap(card, "Útil")
    assert answer["text"]


async def test_the_real_application_in_webhook_mode_gets_updates_pushed_by_the_emulator(
        emulator, emulator_settings, runtime_factory, chat_user):
    import dataclasses

    host, port = emulator_settings.web
    settings = dataclasses.replace(emulator_settings, web_url=f"http://{host}:{port}")
    await runtime_factory(settings=settings, webhook_url=f"http://{host}:{port}/telegram")
    assert emulator.bot.webhook is not None and emulator.bot.webhook["secret_token"]
    stranger = chat_user(6161)
    reply = await stranger.ask("hola")
    assert reply.text
    assert emulator.stats.requests["getUpdates"] == 0
