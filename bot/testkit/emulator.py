"""A local Telegram Bot API server for tests, the demo and the sandbox (aiohttp).

The bot reaches it through `PREGONERO_API_URL=<emulator.base_url>`, exactly as it reaches
Telegram: `POST <url><token>/<method>` with form, multipart or JSON bodies. Replies have
Telegram's shapes, HTTP statuses and error descriptions (see ../shared/telegram/FACTS.md §1),
so python-telegram-bot raises the same `Forbidden`, `BadRequest` and `RetryAfter` it would.

The other side of the chat is played in Python (`await emu.send_text(user_id, "hola")`,
`await emu.tap(user_id, message, "Útil")`, `await emu.next_bot_message(user_id)`) or over
HTTP through the test-control routes under `/_emulator/` (used by the sandbox page).

Every method the emulator serves, and every parameter it reads, is declared in `METHODS`; a
test checks them against the Bot API spec (`../shared/telegram/api.json`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.testkit.ratelimit import RateLimits
from bot.testkit.tghtml import HtmlError, parse_html, strip_text

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_MAX = 4096
CAPTION_MAX = 1024
RAW_TEXT_MAX_BYTES = 32768
CALLBACK_DATA_MAX_BYTES = 64
ANSWER_TEXT_MAX = 200
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
SCOPE_TYPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})
BUTTON_KINDS = ("callback_data", "url", "web_app", "login_url", "switch_inline_query",
                "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                "copy_text", "callback_game", "pay")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,64})?")


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """A Bot API failure: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


class EmulatorError(ValueError):
    """A test asked the emulator for something a Telegram user could not do."""


# --------------------------------------------------------------------------- declared methods

# name -> {parameter: kind}; a kind ending in "!" is required. Kinds: int, bool, str, json,
# chat (Integer or String), file (an upload, a file_id or a URL).
METHODS: dict[str, dict[str, str]] = {
    "getMe": {},
    "deleteWebhook": {"drop_pending_updates": "bool"},
    "setWebhook": {"url": "str!", "max_connections": "int", "allowed_updates": "json",
                   "drop_pending_updates": "bool", "secret_token": "str"},
    "getWebhookInfo": {},
    "getUpdates": {"offset": "int", "limit": "int", "timeout": "int", "allowed_updates": "json"},
    "sendMessage": {"chat_id": "chat!", "text": "str!", "parse_mode": "str", "entities": "json",
                    "link_preview_options": "json", "disable_notification": "bool",
                    "protect_content": "bool", "allow_paid_broadcast": "bool",
                    "reply_parameters": "json", "reply_markup": "json"},
    "editMessageText": {"chat_id": "chat", "message_id": "int", "inline_message_id": "str",
                        "text": "str", "parse_mode": "str", "entities": "json",
                        "link_preview_options": "json", "reply_markup": "json"},
    "editMessageReplyMarkup": {"chat_id": "chat", "message_id": "int",
                               "inline_message_id": "str", "reply_markup": "json"},
    "deleteMessage": {"chat_id": "chat!", "message_id": "int!"},
    "answerCallbackQuery": {"callback_query_id": "str!", "text": "str", "show_alert": "bool",
                            "url": "str", "cache_time": "int"},
    "setMyCommands": {"commands": "json!", "scope": "json", "language_code": "str"},
    "getMyCommands": {"scope": "json", "language_code": "str"},
    "deleteMyCommands": {"scope": "json", "language_code": "str"},
    "sendPhoto": {"chat_id": "chat!", "photo": "file!", "caption": "str", "parse_mode": "str",
                  "caption_entities": "json", "has_spoiler": "bool",
                  "disable_notification": "bool", "protect_content": "bool",
                  "allow_paid_broadcast": "bool", "reply_parameters": "json",
                  "reply_markup": "json"},
    "sendDocument": {"chat_id": "chat!", "document": "file!", "caption": "str",
                     "parse_mode": "str", "caption_entities": "json",
                     "disable_content_type_detection": "bool", "disable_notification": "bool",
                     "protect_content": "bool", "allow_paid_broadcast": "bool",
                     "reply_parameters": "json", "reply_markup": "json"},
    "sendChatAction": {"chat_id": "chat!", "action": "str!"},
    "getFile": {"file_id": "str!"},
}
_BY_LOWER = {name.lower(): name for name in METHODS}

_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "message_id": "message identifier is not specified",
    "callback_query_id": 'parameter "callback_query_id" is required',
    "file_id": "invalid file_id",
}


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str


class Params:
    """A method's parameters, coerced by their declared kinds; reading an undeclared one fails."""

    def __init__(self, method: str, values: dict[str, Any]) -> None:
        self.method = method
        self._values = values

    @classmethod
    def parse(cls, method: str, raw: dict[str, Any]) -> Params:
        declared = METHODS[method]
        values: dict[str, Any] = {}
        for name, kind in declared.items():
            required = kind.endswith("!")
            kind = kind.rstrip("!")
            value = raw.get(name)
            if value is None or (isinstance(value, str) and value == "" and kind != "str"):
                if required:
                    raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
                continue
            values[name] = _coerce(name, kind, value)
            if required and values[name] == "" and name in _MISSING:
                raise bad_request(_MISSING[name])
        return cls(method, values)

    def get(self, name: str, default: Any = None) -> Any:
        if name not in METHODS[self.method]:
            raise KeyError(f"{self.method} does not declare parameter {name!r}")
        return self._values.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)


def _coerce(name: str, kind: str, value: Any) -> Any:
    if kind == "file":
        return value
    if isinstance(value, Upload):
        raise bad_request(f'field "{name}" must be a string')
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")
    if kind == "json":
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value
    if kind == "chat":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else text
    return value if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------- state


@dataclass
class User:
    id: int
    first_name: str
    language_code: str = "es"
    last_name: str | None = None
    username: str | None = None
    deactivated: bool = False

    def to_api(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d

    def chat(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        return d


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_name: str
    mime_type: str
    width: int = 0
    height: int = 0

    def photo_size(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "width": self.width, "height": self.height, "file_size": len(self.data)}

    def document(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_name": self.file_name, "mime_type": self.mime_type,
                "file_size": len(self.data)}


@dataclass
class ChatMessage:
    """One message of a private chat, as the transcript keeps it (edits applied)."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    html: str | None = None  # the text or caption as the bot sent it, when parse_mode=HTML
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    photo: list[dict] | None = None
    document: dict | None = None
    reply_markup: dict | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    rev: int = 0

    @property
    def buttons(self) -> list[list[dict]]:
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard", [])

    @property
    def button_texts(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons for b in row]

    def button(self, label: str) -> dict:
        """The inline button whose text or callback_data is `label` (or contains it)."""
        flat = [b for row in self.buttons for b in row]
        for test in (lambda b: b.get("text") == label or b.get("callback_data") == label,
                     lambda b: label.lower() in b.get("text", "").lower()):
            for b in flat:
                if test(b):
                    return b
        raise EmulatorError(f"no button {label!r} on message {self.message_id}: "
                            f"{self.button_texts}")

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in (
            "chat_id", "message_id", "from_bot", "date", "text", "entities", "html", "caption",
            "caption_entities", "photo", "document", "reply_markup", "edit_date", "edits",
            "deleted", "rev")}
        return d


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: dict | None = None


@dataclass
class Stats:
    requests: Counter = field(default_factory=Counter)
    too_many_requests: int = 0
    server_errors: int = 0
    delivered: Counter = field(default_factory=Counter)
    uploads: int = 0
    file_id_reuses: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "too_many_requests": self.too_many_requests,
                "server_errors": self.server_errors,
                "delivered": {str(k): v for k, v in self.delivered.items()},
                "uploads": self.uploads, "file_id_reuses": self.file_id_reuses}


@dataclass
class Faults:
    """Failures to inject: forced 429s, a share of 500s (seeded), latency."""

    force_429: int = 0
    force_429_retry_after: int = 1
    error_rate: float = 0.0
    latency: float = 0.0
    methods: frozenset[str] = SEND_METHODS
    rng: random.Random = field(default_factory=lambda: random.Random(0))


@dataclass
class BotState:
    token: str
    user: dict[str, Any]
    updates: list[dict] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    allowed_updates: list[str] | None = None
    poll_generation: int = 0
    commands: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    chats: dict[int, list[ChatMessage]] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    callbacks: dict[str, CallbackQuery] = field(default_factory=dict)
    cursors: dict[int, int] = field(default_factory=dict)
    pusher: asyncio.Task | None = None


# --------------------------------------------------------------------------- the emulator


class Emulator:
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

    def file_url(self) -> str:
        return f"{self.url}/file/bot"

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
        from bot.testkit.control import add_control_routes

        add_control_routes(app, self)
        return app

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        asked = request.match_info["method"]
        method = _BY_LOWER.get(asked.lower())
        self.stats.requests[method or asked] += 1
        bot = self.bots.get(token)
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            try:
                raw = await _read_params(request)
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

    async def _inject_faults(self, method: str) -> None:
        faults = self.faults
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
            if _file_path(f) == path:
                return web.Response(body=f.data, content_type=f.mime_type)
        return web.json_response({"ok": False, "error_code": 404,
                                  "description": "Not Found"}, status=404)

    # ------------------------------------------------------------------ checks

    def _chat(self, bot: BotState, chat_id: int | str) -> User:
        """The private chat a bot may write to, or Telegram's refusal."""
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        user = self.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        if user.deactivated:
            raise forbidden("user is deactivated")
        if chat_id in bot.blocked:
            raise forbidden("bot was blocked by the user")
        if chat_id not in bot.started:
            raise forbidden("bot can't initiate conversation with a user")
        return user

    def _rate(self, chat_id: int, paid: bool) -> None:
        retry_after = self.limits.check(chat_id, paid=paid)
        if retry_after:
            raise too_many(retry_after)

    @staticmethod
    def _format(text: str, parse_mode: str | None, entities: Any,
                *, limit: int, too_long: str) -> tuple[str, list[dict], str | None]:
        """(text, entities, html-as-sent) after Telegram's parsing and trimming."""
        if len(text.encode("utf-8")) > RAW_TEXT_MAX_BYTES:
            raise bad_request("text is too long")
        html = None
        mode = (parse_mode or "").lower()
        if mode == "html":
            html = text
            try:
                text, found = parse_html(text)
            except HtmlError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):  # Markdown is kept as it is (not parsed)
            found = entities if isinstance(entities, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        text, found = strip_text(text, found)
        if len(text) > limit:
            raise bad_request(too_long)
        return text, found, html

    @staticmethod
    def _markup(markup: Any) -> dict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup  # reply keyboards and removals are accepted as they are
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be '
                              "an Array of Arrays")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button: "
                                      "InlineKeyboardButton should be an Object")
                if not isinstance(button.get("text"), str):
                    raise bad_request("can't parse inline keyboard button: "
                                      'Field "text" must be of type String')
                kinds = [k for k in BUTTON_KINDS if k in button]
                if not kinds:
                    raise bad_request("can't parse inline keyboard button: "
                                      "Text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                    if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = str(button["url"])
                    if not url.startswith(("http://", "https://", "tg://")):
                        raise bad_request("BUTTON_URL_INVALID")
        return {"inline_keyboard": rows}

    def _find_bot_message(self, bot: BotState, chat_id: Any, message_id: Any,
                          missing: str) -> ChatMessage:
        if chat_id is None:
            raise bad_request("chat_id is empty")
        self._chat(bot, chat_id)
        if message_id is None:
            raise bad_request("message identifier is not specified")
        for msg in bot.chats.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                if not msg.from_bot:
                    raise bad_request("message can't be edited")
                return msg
        raise bad_request(missing)

    def _edited(self, msg: ChatMessage) -> None:
        msg.edit_date = int(time.time())
        msg.edits += 1
        msg.rev = next(self._rev)
        self._notify()

    # ------------------------------------------------------------------ methods

    async def _m_getMe(self, bot: BotState, p: Params) -> dict:
        return bot.user

    async def _m_deleteWebhook(self, bot: BotState, p: Params) -> bool:
        if p.get("drop_pending_updates"):
            bot.updates.clear()
        await self._set_webhook(bot, None)
        return True

    async def _m_setWebhook(self, bot: BotState, p: Params) -> bool:
        url = p["url"] or ""
        if not url:
            await self._set_webhook(bot, None)
            return True
        secret = p.get("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        max_connections = p.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if p.get("drop_pending_updates"):
            bot.updates.clear()
        if p.get("allowed_updates") is not None:
            bot.allowed_updates = list(p["allowed_updates"]) or None
        await self._set_webhook(bot, {"url": url, "secret_token": secret,
                                      "max_connections": max_connections,
                                      "last_error_message": None, "last_error_date": None})
        return True

    async def _set_webhook(self, bot: BotState, hook: dict | None) -> None:
        bot.webhook = hook
        if bot.pusher is not None:
            bot.pusher.cancel()
            await asyncio.gather(bot.pusher, return_exceptions=True)
            bot.pusher = None
        if hook is not None:
            bot.pusher = asyncio.create_task(self._push_webhook(bot, hook))
        bot.poll_generation += 1
        self._notify()

    async def _push_webhook(self, bot: BotState, hook: dict) -> None:
        """POST each pending update to the webhook, in order, retrying failures."""
        assert self._session is not None
        headers = {SECRET_HEADER: hook["secret_token"]} if hook["secret_token"] else {}
        delay = 0.05
        while bot.webhook is hook and not self._closing:
            if not bot.updates:
                await self.wait_for(lambda: bot.updates or bot.webhook is not hook
                                    or self._closing, timeout=3600)
                continue
            update = bot.updates[0]
            try:
                async with self._session.post(hook["url"], json=update, headers=headers,
                                              timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    ok = 200 <= resp.status < 300
                    error = None if ok else f"Wrong response from the webhook: {resp.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                ok, error = False, f"Connection failed: {type(exc).__name__}"
            if ok:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
                delay = 0.05
                self._notify()
            else:
                hook["last_error_message"] = error
                hook["last_error_date"] = int(time.time())
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _m_getWebhookInfo(self, bot: BotState, p: Params) -> dict:
        hook = bot.webhook
        info: dict[str, Any] = {"url": hook["url"] if hook else "",
                                "has_custom_certificate": False,
                                "pending_update_count": len(bot.updates)}
        if hook:
            info["max_connections"] = hook["max_connections"]
            if hook["last_error_message"]:
                info["last_error_message"] = hook["last_error_message"]
                info["last_error_date"] = hook["last_error_date"]
        if bot.allowed_updates is not None:
            info["allowed_updates"] = bot.allowed_updates
        return info

    async def _m_getUpdates(self, bot: BotState, p: Params) -> list[dict]:
        if bot.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        offset = p.get("offset")
        limit = max(1, min(int(p.get("limit", 100)), 100))
        timeout = max(0, int(p.get("timeout", 0)))
        if p.get("allowed_updates") is not None:
            bot.allowed_updates = list(p["allowed_updates"]) or None
        if offset is not None:
            if offset < 0:
                del bot.updates[: max(0, len(bot.updates) + offset)]
            else:
                bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]
        bot.poll_generation += 1
        generation = bot.poll_generation
        self._notify()

        def ready() -> bool:
            return bool(bot.updates) or self._closing or bot.poll_generation != generation

        if timeout > 0:
            try:
                await self.wait_for(ready, timeout)
            except (AssertionError, EmulatorError):
                pass
        if bot.poll_generation != generation:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                "that only one bot instance is running")
        return bot.updates[:limit]

    async def _m_sendMessage(self, bot: BotState, p: Params) -> dict:
        chat_id = p["chat_id"]
        self._chat(bot, chat_id)
        text, entities, html = self._format(
            p["text"], p.get("parse_mode"), p.get("entities"),
            limit=TEXT_MAX, too_long="message is too long")
        if not text:
            raise bad_request("message text is empty")
        markup = self._markup(p.get("reply_markup"))
        self._rate(chat_id, bool(p.get("allow_paid_broadcast")))
        msg = self._new_message(bot, chat_id, from_bot=True, text=text, entities=entities,
                                html=html, reply_markup=markup)
        return self._message_api(bot, msg)

    async def _m_editMessageText(self, bot: BotState, p: Params) -> dict:
        if p.get("inline_message_id"):
            raise bad_request("message to edit not found")
        msg = self._find_bot_message(bot, p.get("chat_id"), p.get("message_id"),
                                     "message to edit not found")
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        raw = p.get("text")
        if not raw:
            raise bad_request("message text is empty")
        text, entities, html = self._format(
            raw, p.get("parse_mode"), p.get("entities"),
            limit=TEXT_MAX, too_long="message is too long")
        if not text:
            raise bad_request("message text is empty")
        markup = self._markup(p.get("reply_markup"))
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(NOT_MODIFIED)
        msg.text, msg.entities, msg.html, msg.reply_markup = text, entities, html, markup
        self._edited(msg)
        return self._message_api(bot, msg)

    async def _m_editMessageReplyMarkup(self, bot: BotState, p: Params) -> dict:
        if p.get("inline_message_id"):
            raise bad_request("message to edit not found")
        msg = self._find_bot_message(bot, p.get("chat_id"), p.get("message_id"),
                                     "message to edit not found")
        markup = self._markup(p.get("reply_markup"))
        if markup == msg.reply_markup or (not markup and not msg.reply_markup):
            raise bad_request(NOT_MODIFIED)
        msg.reply_markup = markup
        self._edited(msg)
        return self._message_api(bot, msg)

    async def _m_deleteMessage(self, bot: BotState, p: Params) -> bool:
        chat_id = p["chat_id"]
        self._chat(bot, chat_id)
        for msg in bot.chats.get(chat_id, []):
            if msg.message_id == p["message_id"] and not msg.deleted:
                msg.deleted = True
                msg.rev = next(self._rev)
                self._notify()
                return True
        raise bad_request("message to delete not found")

    async def _m_answerCallbackQuery(self, bot: BotState, p: Params) -> bool:
        query = bot.callbacks.get(p["callback_query_id"])
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD)
        text = p.get("text") or ""
        if len(text) > ANSWER_TEXT_MAX:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {"text": text, "show_alert": bool(p.get("show_alert")),
                        "url": p.get("url")}
        self._notify()
        return True

    @staticmethod
    def _scope_key(p: Params) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise bad_request("unsupported bot command scope type")
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            if "chat_id" not in scope:
                raise bad_request("chat_id is empty")
            kind = f"{kind}:{scope['chat_id']}"
            if scope["type"] == "chat_member":
                kind += f":{scope.get('user_id')}"
        lang = p.get("language_code") or ""
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad_request("invalid language code specified")
        return kind, lang

    async def _m_setMyCommands(self, bot: BotState, p: Params) -> bool:
        commands = p["commands"]
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for c in commands:
            if not isinstance(c, dict) or not _COMMAND.match(str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": c["command"], "description": c["description"]})
        key = self._scope_key(p)
        if clean:
            bot.commands[key] = clean
        else:
            bot.commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, bot: BotState, p: Params) -> list[dict]:
        return bot.commands.get(self._scope_key(p), [])

    async def _m_deleteMyCommands(self, bot: BotState, p: Params) -> bool:
        bot.commands.pop(self._scope_key(p), None)
        return True

    def _file(self, given: Any, kind: str) -> list[StoredFile]:
        """Resolve an upload, a file_id or a URL to stored file(s) of this kind."""
        if isinstance(given, Upload):
            self.stats.uploads += 1
            return self._store_file(kind, given.data, given.filename, given.content_type)
        text = str(given)
        if text.startswith(("http://", "https://")):
            self.stats.uploads += 1
            name = text.rsplit("/", 1)[-1] or "file"
            return self._store_file(kind, b"", name, "application/octet-stream")
        known = self.files.get(text)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if known.kind != kind:
            raise bad_request(f"can't use file of type {known.kind.capitalize()} as "
                              f"{kind.capitalize()}")
        self.stats.file_id_reuses += 1
        if kind == "photo":
            return [f for f in self.files.values() if f.file_unique_id == known.file_unique_id]
        return [known]

    def _store_file(self, kind: str, data: bytes, name: str, mime: str) -> list[StoredFile]:
        n = next(self._ids)
        unique = f"AQAD{n:06d}{secrets.token_hex(3)}"
        prefix = "AgACAgEAAxkDAAI" if kind == "photo" else "BQACAgEAAxkDAAI"
        sizes = [(90, 67), (320, 240), (1280, 960)] if kind == "photo" else [(0, 0)]
        stored = []
        for w, h in sizes:
            file_id = f"{prefix}{n:06d}{w}{secrets.token_urlsafe(12)}"
            f = StoredFile(file_id, unique, kind, data, name,
                           mime or "application/octet-stream", w, h)
            self.files[file_id] = f
            stored.append(f)
        return stored

    async def _send_media(self, bot: BotState, p: Params, kind: str) -> dict:
        chat_id = p["chat_id"]
        self._chat(bot, chat_id)
        caption, caption_entities, html = self._format(
            p.get("caption") or "", p.get("parse_mode"), p.get("caption_entities"),
            limit=CAPTION_MAX, too_long="message caption is too long")
        markup = self._markup(p.get("reply_markup"))
        self._rate(chat_id, bool(p.get("allow_paid_broadcast")))
        files = self._file(p[kind], kind)
        fields: dict[str, Any] = {"caption": caption or None,
                                  "caption_entities": caption_entities, "html": html,
                                  "reply_markup": markup}
        if kind == "photo":
            fields["photo"] = [f.photo_size() for f in files]
        else:
            fields["document"] = files[0].document()
        msg = self._new_message(bot, chat_id, from_bot=True, **fields)
        return self._message_api(bot, msg)

    async def _m_sendPhoto(self, bot: BotState, p: Params) -> dict:
        return await self._send_media(bot, p, "photo")

    async def _m_sendDocument(self, bot: BotState, p: Params) -> dict:
        return await self._send_media(bot, p, "document")

    async def _m_sendChatAction(self, bot: BotState, p: Params) -> bool:
        self._chat(bot, p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _m_getFile(self, bot: BotState, p: Params) -> dict:
        f = self.files.get(p["file_id"])
        if f is None:
            raise bad_request("invalid file_id")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                "file_size": len(f.data), "file_path": _file_path(f)}


def _file_path(f: StoredFile) -> str:
    folder = "photos" if f.kind == "photo" else "documents"
    suffix = f.file_name.rsplit(".", 1)[-1] if "." in f.file_name else "bin"
    return f"{folder}/file_{f.file_unique_id}.{suffix}"


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus a form, multipart or JSON body, as one dict."""
    raw: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return raw
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if isinstance(body, dict):
            raw.update(body)
        return raw
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(value.filename or key, value.file.read(),
                                  value.content_type or "application/octet-stream")
            else:
                raw[key] = value
    return raw
