"""The Bot API's surface as the emulator serves it: limits, error replies, declared methods.

`METHODS` declares every method the emulator serves and every parameter it reads (a test checks
them against the Bot API spec, `tests/data/telegram/api.json`); `Params.parse` coerces a
request's fields by their declared kinds (PTB sends JSON inside form fields) and refuses a
missing required one in Telegram's words. `ApiError` is a failure as Telegram sends it: HTTP
status, `description`, and `parameters.retry_after` for 429.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

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
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

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
METHOD_BY_LOWER_NAME = {name.lower(): name for name in METHODS}

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


async def read_params(request: web.Request) -> dict[str, Any]:
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
