"""What the emulator remembers: users, chats and their messages, files, taps, counters."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.testkit.botapi import SEND_METHODS, EmulatorError


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
    first_delivered: dict[int, float] = field(default_factory=dict)  # chat -> loop time
    uploads: int = 0
    file_id_reuses: int = 0
    peak_per_second: int = 0  # most sends counted in one sliding second (strict limits)
    paid: int = 0  # sends accepted with allow_paid_broadcast

    def to_dict(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "too_many_requests": self.too_many_requests,
                "server_errors": self.server_errors,
                "delivered": {str(k): v for k, v in self.delivered.items()},
                "first_delivered": {str(k): v for k, v in self.first_delivered.items()},
                "peak_per_second": self.peak_per_second, "paid": self.paid,
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
    # methods whose calls hang, unanswered, until removed from the set; they then fail with
    # 500 and nothing is delivered (a request that never reached Telegram: crash tests)
    stalled: set[str] = field(default_factory=set)
    stalled_requests: int = 0


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
