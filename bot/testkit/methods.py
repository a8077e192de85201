"""The Bot API methods the emulator serves, with Telegram's checks and replies.

`BotApiMethods` is mixed into `Emulator`: one `_m_<method>` per entry of `botapi.METHODS`,
plus the checks every send shares (the chat may be written to, flood limits, HTML parsing and
length after parsing, inline keyboard shape).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp

from bot.testkit.botapi import (
    ANSWER_TEXT_MAX,
    BUTTON_KINDS,
    CALLBACK_DATA_MAX_BYTES,
    CAPTION_MAX,
    CHAT_ACTIONS,
    COMMAND_NAME,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    RAW_TEXT_MAX_BYTES,
    SCOPE_TYPES,
    SECRET_HEADER,
    SECRET_TOKEN,
    TEXT_MAX,
    ApiError,
    EmulatorError,
    Params,
    Upload,
    bad_request,
    forbidden,
    too_many,
)
from bot.testkit.ratelimit import RateLimits
from bot.testkit.state import BotState, ChatMessage, Stats, StoredFile, User
from bot.testkit.tghtml import HtmlError, parse_html, strip_text


class BotApiMethods:
    """Telegram's side of each method; the state lives on the Emulator this is mixed into."""

    users: dict[int, User]
    files: dict[str, StoredFile]
    stats: Stats
    limits: RateLimits
    _rev: Iterator[int]
    _ids: Iterator[int]
    _closing: bool
    _session: aiohttp.ClientSession | None

    def _notify(self) -> None:
        raise NotImplementedError

    def _new_message(self, bot: BotState, chat_id: int, *, from_bot: bool,
                     **fields: Any) -> ChatMessage:
        raise NotImplementedError

    def _message_api(self, bot: BotState, msg: ChatMessage) -> dict[str, Any]:
        raise NotImplementedError

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5) -> Any:  # noqa: ASYNC109
        raise NotImplementedError

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
        if paid:
            self.stats.paid += 1
        self.stats.peak_per_second = max(self.stats.peak_per_second, self.limits.peak)

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
        if secret is not None and not SECRET_TOKEN.match(secret):
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
            if not isinstance(c, dict) or not COMMAND_NAME.match(str(c.get("command", ""))):
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
                "file_size": len(f.data), "file_path": file_path(f)}


def file_path(f: StoredFile) -> str:
    folder = "photos" if f.kind == "photo" else "documents"
    suffix = f.file_name.rsplit(".", 1)[-1] if "." in f.file_name else "bin"
    return f"{folder}/file_{f.file_unique_id}.{suffix}"
