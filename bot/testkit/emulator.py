"""A local Telegram Bot API server for tests, the demo and the sandbox (aiohttp).

The bot reaches it through `PREGONERO_API_URL=<emulator.base_url>`, exactly as it reaches
Telegram: `POST <url><token>/<method>` with form, multipart or JSON bodies. Replies have
Telegram's shapes, HTTP statuses and error descriptions (see ../shared/telegram/FACTS.md §1),
so python-telegram-bot raises the same `Forbidden`, `BadRequest` and `RetryAfter` it would.

The other side of the chat is played in Python (`await emu.send_text(user_id, "hola")`,
`await emu.tap(user_id, message, "Útil")`, `await emu.next_bot_message(user_id)`) or over
HTTP through the test-control routes under `/_emulator/` (used by the sandbox page).

Modules: `botapi` (declared methods, parameters, error replies), `methods` (what each method
does), `state` (users, chats, messages, files, counters), `tghtml` (Telegram's HTML parser),
`ratelimit` (flood limits), `control` (the `/_emulator/` routes).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.testkit.botapi import (
    CHAT_ACTIONS,
    DEFAULT_TOKEN,
    METHOD_BY_LOWER_NAME,
    METHODS,
    NOT_MODIFIED,
    SECRET_HEADER,
    SEND_METHODS,
    ApiError,
    EmulatorError,
    Params,
    read_params,
    too_many,
)
from bot.testkit.control import add_control_routes
from bot.testkit.methods import BotApiMethods, file_path
from bot.testkit.ratelimit import RateLimits
from bot.testkit.state import (
    BotState,
    CallbackQuery,
    ChatMessage,
    Faults,
    Stats,
    StoredFile,
    User,
)

__all__ = [
    "CHAT_ACTIONS", "METHODS", "NOT_MODIFIED", "SECRET_HEADER", "SEND_METHODS", "ApiError",
    "ChatMessage", "Emulator", "EmulatorError", "RateLimits", "StoredFile", "User",
]

_BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,64})?")
log = logging.getLogger(__name__)


class Emulator(BotApiMethods):
    """The Bot API server (HTTP) plus the users' side of every chat (Python and HTTP)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        username: str = "PregoneroTestBot",
        *,
        first_name: str = "Pregonero",
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.bots: dict[str, BotState] = {}
        self.bot = self.add_bot(token, username, first_name=first_name)
        self.users: dict[int, User] = {}
        self.files: dict[str, StoredFile] = {}
        self.stats = Stats()
        self.faults = Faults()
        self.limits = rate_limits or RateLimits(enabled=False)
        self.base_url = ""
        self.url = ""
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._changed = asyncio.Event()
        self._closing = False
        self._rev = itertools.count(1)
        self._update_ids = itertools.count(secrets.randbelow(10**6) + 10**5)
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ life cycle

    def add_bot(self, token: str, username: str, *, first_name: str = "Pregonero") -> BotState:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        state = BotState(token, {
            "id": bot_id, "is_bot": True, "first_name": first_name, "username": username,
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        })
        self.bots[token] = state
        return state

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0: a free port); returns the base URL for PREGONERO_API_URL."""
        self._changed = asyncio.Event()
        self._closing = False
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self.base_url = f"{self.url}/bot"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        for bot in self.bots.values():
            if bot.pusher is not None:
                bot.pusher.cancel()
                await asyncio.gather(bot.pusher, return_exceptions=True)
                bot.pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5) -> Any:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy (re-checked on every change); return its value."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = predicate()
                    if result:
                        return result
                    if self._closing:
                        raise EmulatorError("the emulator stopped while waiting")
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"emulator: condition not met within {timeout}s") from None

    async def next_bot_message(self, chat_id: int, timeout: float = 5, *,  # noqa: ASYNC109
                               token: str | None = None) -> ChatMessage:
        """The bot's next new message in this chat (each message is returned once)."""
        bot = self._bot(token)

        def pending() -> ChatMessage | None:
            seen = bot.cursors.get(chat_id, 0)
            for msg in bot.chats.get(chat_id, []):
                if msg.from_bot and msg.message_id > seen:
                    return msg
            return None

        try:
            msg = await self.wait_for(pending, timeout)
        except AssertionError:
            last = [m.content[:80] for m in bot.chats.get(chat_id, [])[-3:]]
            raise AssertionError(f"emulator: no new bot message in chat {chat_id} within "
                                 f"{timeout}s; last messages: {last}") from None
        bot.cursors[chat_id] = msg.message_id
        return msg

    def skip_bot_messages(self, chat_id: int, *, token: str | None = None) -> None:
        """Mark every bot message so far as seen by next_bot_message."""
        bot = self._bot(token)
        ids = [m.message_id for m in bot.chats.get(chat_id, []) if m.from_bot]
        bot.cursors[chat_id] = max(ids, default=0)

    async def wait_answer(self, query_id: str, timeout: float = 5, *,  # noqa: ASYNC109
                          token: str | None = None) -> dict:
        """The bot's answerCallbackQuery for this tap: {"text", "show_alert", "url"}."""
        bot = self._bot(token)
        query = bot.callbacks[query_id]
        await self.wait_for(lambda: query.answered, timeout)
        assert query.answer is not None
        return query.answer

    # ------------------------------------------------------------------ the users' side

    def _bot(self, token: str | None) -> BotState:
        return self.bot if token is None else self.bots[token]

    def add_user(self, user_id: int | None = None, first_name: str = "Agente",
                 language_code: str = "es", **extra: Any) -> User:
        """Create (or update) a Telegram user. They are unknown to the bot until they write."""
        if user_id is None:
            user_id = 700_000_000 + next(self._ids)
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(user_id, first_name, language_code, **extra)
        else:
            user.first_name, user.language_code = first_name, language_code
        return user

    def transcript(self, chat_id: int, *, token: str | None = None,
                   deleted: bool = False) -> list[ChatMessage]:
        """Every message of the chat, both ways, oldest first, edits applied."""
        msgs = self._bot(token).chats.get(chat_id, [])
        return [m for m in msgs if deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, token: str | None = None) -> list[ChatMessage]:
        return [m for m in self.transcript(chat_id, token=token) if m.from_bot]

    def message(self, chat_id: int, message_id: int, *, token: str | None = None) -> ChatMessage:
        for msg in self._bot(token).chats.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        raise EmulatorError(f"no message {message_id} in chat {chat_id}")

    def _push_update(self, bot: BotState, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self._update_ids), kind: payload}
        allowed = bot.allowed_updates
        if (allowed is None and kind != "chat_member") or (allowed and kind in allowed):
            bot.updates.append(update)
        self._notify()
        return update

    def _new_message(self, bot: BotState, chat_id: int, *, from_bot: bool,
                     **fields: Any) -> ChatMessage:
        chat = bot.chats.setdefault(chat_id, [])
        message_id = (chat[-1].message_id + 1) if chat else 1
        msg = ChatMessage(chat_id, message_id, from_bot, int(time.time()), **fields)
        msg.rev = next(self._rev)
        chat.append(msg)
        if from_bot:
            self.stats.delivered[chat_id] += 1
            self.stats.first_delivered.setdefault(chat_id, asyncio.get_running_loop().time())
        self._notify()
        return msg

    def _message_api(self, bot: BotState, msg: ChatMessage) -> dict[str, Any]:
        user = self.users[msg.chat_id]
        d: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": bot.user if msg.from_bot else user.to_api(),
            "chat": user.chat(),
            "date": msg.date,
        }
        if msg.edit_date:
            d["edit_date"] = msg.edit_date
        if msg.text is not None:
            d["text"] = msg.text
            if msg.entities:
                d["entities"] = msg.entities
        if msg.photo is not None:
            d["photo"] = msg.photo
        if msg.document is not None:
            d["document"] = msg.document
        if msg.caption:
            d["caption"] = msg.caption
            if msg.caption_entities:
                d["caption_entities"] = msg.caption_entities
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            d["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        return d

    async def send_text(self, user_id: int, text: str, *, token: str | None = None,
                        **user_fields: Any) -> ChatMessage:
        """The user writes to the bot (`/start CODE` included): a `message` update."""
        bot = self._bot(token)
        user = self.users.get(user_id) or self.add_user(user_id, **user_fields)
        if user.deactivated:
            raise EmulatorError(f"user {user_id} is deactivated")
        if user_id in bot.blocked:  # Telegram's "Restart bot" unblocks first
            self.unblock(user_id, token=token)
        bot.started.add(user_id)
        entities = []
        match = _BOT_COMMAND.match(text)
        if match:
            entities.append({"type": "bot_command", "offset": 0,
                             "length": len(match.group(0).encode("utf-16-le")) // 2})
        msg = self._new_message(bot, user_id, from_bot=False, text=text, entities=entities)
        self._push_update(bot, "message", self._message_api(bot, msg))
        return msg

    async def tap(self, user_id: int, message: ChatMessage | int, button: str, *,
                  token: str | None = None) -> str:
        """The user taps an inline button (by text or callback_data): returns the query id."""
        bot = self._bot(token)
        message_id = message if isinstance(message, int) else message.message_id
        msg = self.message(user_id, message_id, token=token)
        if not msg.from_bot or msg.deleted:
            raise EmulatorError(f"message {message_id} has no buttons to tap")
        data = msg.button(button).get("callback_data")
        if data is None:
            raise EmulatorError(f"button {button!r} is not a callback button")
        user = self.users[user_id]
        query = CallbackQuery(f"{secrets.randbits(63)}", user_id, message_id, data)
        bot.callbacks[query.id] = query
        self._push_update(bot, "callback_query", {
            "id": query.id, "from": user.to_api(), "message": self._message_api(bot, msg),
            "chat_instance": str(user_id * 7919 % 10**12), "data": data,
        })
        return query.id

    def _member_update(self, bot: BotState, user_id: int, old: str, new: str) -> None:
        user = self.users[user_id]
        member_old: dict[str, Any] = {"status": old, "user": bot.user}
        member_new: dict[str, Any] = {"status": new, "user": bot.user}
        if new == "kicked":
            member_new["until_date"] = 0
        if old == "kicked":
            member_old["until_date"] = 0
        self._push_update(bot, "my_chat_member", {
            "chat": user.chat(), "from": user.to_api(), "date": int(time.time()),
            "old_chat_member": member_old, "new_chat_member": member_new,
        })

    def block(self, user_id: int, *, token: str | None = None) -> None:
        """The user blocks the bot: 403 from now on, and a `my_chat_member` update."""
        bot = self._bot(token)
        if user_id not in self.users:
            self.add_user(user_id)
        if user_id not in bot.blocked:
            bot.blocked.add(user_id)
            self._member_update(bot, user_id, "member", "kicked")

    def unblock(self, user_id: int, *, token: str | None = None) -> None:
        bot = self._bot(token)
        if user_id in bot.blocked:
            bot.blocked.discard(user_id)
            self._member_update(bot, user_id, "kicked", "member")

    def deactivate(self, user_id: int) -> None:
        """The account is deleted: 403 `user is deactivated` from now on."""
        if user_id not in self.users:
            self.add_user(user_id)
        self.users[user_id].deactivated = True
        self._notify()

    def commands_for(self, user_id: int, language_code: str = "", *,
                     token: str | None = None) -> list[dict]:
        """The command menu a private chat shows, resolved as Telegram does (FACTS §1.8)."""
        bot = self._bot(token)
        lang = (language_code or "")[:2]
        chat_key = f"chat:{user_id}"
        keys = [(chat_key, lang), (chat_key, ""), ("all_private_chats", lang),
                ("all_private_chats", ""), ("default", lang), ("default", "")]
        for key in keys:
            if key in bot.commands:
                return bot.commands[key]
        return []

    # ------------------------------------------------------------------ test controls

    def force_429(self, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` send calls answer 429 with this retry_after."""
        self.faults.force_429 = count
        self.faults.force_429_retry_after = retry_after

    def set_error_rate(self, rate: float, seed: int = 0) -> None:
        """This share of send calls answers 500 Internal Server Error (seeded RNG)."""
        self.faults.error_rate = rate
        self.faults.rng = random.Random(seed)

    # ------------------------------------------------------------------ HTTP

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        return app

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        asked = request.match_info["method"]
        method = METHOD_BY_LOWER_NAME.get(asked.lower())
        self.stats.requests[method or asked] += 1
        bot = self.bots.get(token)
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            try:
                raw = await read_params(request)
            except ConnectionResetError:  # the client went away mid-request (it is stopping)
                return web.Response(status=499)
            await self._inject_faults(method)
            params = Params.parse(method, raw)
            handler: Callable[[BotState, Params], Awaitable[Any]] = getattr(
                self, "_m_" + method)
            result = await handler(bot, params)
        except ApiError as exc:
            if exc.status == 429:
                self.stats.too_many_requests += 1
            elif exc.status >= 500:
                self.stats.server_errors += 1
            return web.json_response(exc.body(), status=exc.status)
        body: dict[str, Any] = {"ok": True, "result": result}
        if method in ("setWebhook", "deleteWebhook") and isinstance(result, bool):
            body["description"] = ("Webhook was set" if method == "setWebhook"
                                   else "Webhook was deleted")
        return web.json_response(body)

    def stall(self, *methods: str) -> None:
        """Calls of these methods hang unanswered (see `Faults.stalled`) until `unstall()`."""
        self.faults.stalled.update(methods)

    def unstall(self) -> None:
        """Release stalled calls: they fail with 500, nothing they asked for is delivered."""
        self.faults.stalled.clear()
        self._notify()

    async def _inject_faults(self, method: str) -> None:
        faults = self.faults
        if method in faults.stalled:
            faults.stalled_requests += 1
            self._notify()
            try:
                await self.wait_for(lambda: method not in faults.stalled, timeout=3600)
            except (AssertionError, EmulatorError):
                pass
            raise ApiError(500, "Internal Server Error")
        if faults.latency > 0:
            await asyncio.sleep(faults.latency)
        if method not in faults.methods:
            return
        if faults.force_429 > 0:
            faults.force_429 -= 1
            raise too_many(faults.force_429_retry_after)
        if faults.error_rate > 0 and faults.rng.random() < faults.error_rate:
            raise ApiError(500, "Internal Server Error")

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.bots:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        path = request.match_info["path"]
        for f in self.files.values():
            if file_path(f) == path:
                return web.Response(body=f.data, content_type=f.mime_type)
        return web.json_response({"ok": False, "error_code": 404,
                                  "description": "Not Found"}, status=404)
