"""Drains the outbox within Telegram's limits and records every outcome.

- Pace: a token bucket of `rate` messages per second overall (29/s by default, under
  Telegram's ~30/s; `allow_paid_broadcast` raises it) and at least `per_chat` seconds between two
  messages to the same chat. The sender keeps its own limiter; PTB's AIORateLimiter is not used.
- 429: every send pauses for `retry_after`; the row goes back to `pending` (not counted as an
  attempt).
- 5xx, timeouts, network errors: retried with exponential backoff and jitter, up to
  `max_attempts`, then `failed`.
- 403: the officer blocked the bot: row `blocked`, officer marked blocked.
- 400 and anything else: `failed` with the error class, not retried.

Rows are claimed in batches (one store call) just before sending and their outcomes written in
one store call after the batch, so the store's single worker thread and the event loop stay
free for officers' questions while thousands of reminders drain.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import metrics
from bot.chatkit import cardview
from bot.chatkit.ui import NO_PREVIEW
from bot.clock import iso
from bot.i18n import gettext_for
from bot.store import Store, cards
from bot.store import delivery as store_delivery
from bot.store.delivery import OutboxRow, Outcome
from bot.telegram_limiter import bulk

log = logging.getLogger(__name__)

HEADERS = {
    "reminder": "🔔 <b>%s</b>",
    "ack_reask": "⚠️ <b>%s</b>",
    "ack_reminder": "⏰ <b>%s</b>",
    "broadcast": "📣 <b>%s</b>",
}


def header_text(kind: str, lang: str) -> str:
    """The line above a card sent by the engine ("Weekly reminder"...)."""
    _ = gettext_for(lang)
    texts = {
        "reminder": _("Weekly reminder"),
        "ack_reask": _("Updated procedure: please read it and confirm again"),
        "ack_reminder": _("Reminder: please confirm you read this procedure"),
        "broadcast": _("Notice"),
    }
    return HEADERS.get(kind, "<b>%s</b>") % texts.get(kind, _("Notice"))


class Limiter:
    """Overall token bucket plus a minimum gap per chat, on the loop's monotonic clock."""

    def __init__(self, rate: float, *, burst: float = 1.0, per_chat: float = 1.0,
                 clock: Callable[[], float] | None = None) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self.per_chat = per_chat
        self.clock = clock or _loop_time
        self._tokens = self.burst
        self._stamp = self.clock()
        self._chats: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self.paused_until = 0.0

    def refund(self, n: int = 1) -> None:
        """Give back tokens of a send that Telegram did not deliver (a 5xx answer)."""
        self._tokens = min(self.burst, self._tokens + n)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int, n: int = 1) -> None:
        async with self._lock:  # one waiter at a time keeps the pace even
            while True:
                now = self.clock()
                wait = self.paused_until - now
                if wait <= 0:
                    self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                    self._stamp = now
                    wait = (n - self._tokens) / self.rate if self._tokens < n else 0.0
                    wait = max(wait, self._chats.get(chat_id, 0.0) - now)
                if wait <= 0:
                    self._tokens -= n
                    self._chats[chat_id] = now + self.per_chat * n
                    if len(self._chats) > 50_000:
                        self._chats = {c: t for c, t in self._chats.items() if t > now}
                    return
                await asyncio.sleep(wait)


class _NoLimit(Limiter):
    def __init__(self) -> None:
        super().__init__(1.0)

    async def acquire(self, chat_id: int, n: int = 1) -> None:
        if self.paused_until > self.clock():
            await asyncio.sleep(self.paused_until - self.clock())


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


@dataclass(frozen=True)
class SenderConfig:
    rate: float = 29.0
    burst: float = 5.0
    per_chat: float = 1.0
    concurrency: int = 32
    batch: int = 60
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 600.0
    card_ttl: float = 60.0
    # Paid broadcasts (up to 1,000 msg/s, 0.1 Star per message over 30/s, enabled in
    # @BotFather): set this and raise `rate`. Text cards carry `allow_paid_broadcast`; cards
    # with media go through the card view, which does not pass it yet.
    allow_paid_broadcast: bool = False


class Sender:
    """Claims due outbox rows, sends them with `bot`, records outcomes."""

    def __init__(self, store: Store, bot: Bot, config: SenderConfig | None = None,
                 *, limiter: Limiter | None = None) -> None:
        self.store = store
        self.bot = bot
        self.config = config or SenderConfig()
        # A bot with a rate limiter (the Application's `FloodLimiter`) paces every call itself;
        # a bare bot (some tests, scripts) gets this simpler limiter.
        self.limiter = limiter or (
            _NoLimit() if getattr(bot, "rate_limiter", None) is not None else
            Limiter(self.config.rate, burst=self.config.burst, per_chat=self.config.per_chat))
        self._cards: dict[tuple[str, str], tuple[float, Any]] = {}
        # the same card for everyone: rendered once per card object, language and kind
        self._rendered: dict[tuple[str, str, str], tuple[Any, Any, int]] = {}
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self.retry_pause_until: datetime | None = None  # on the engine's clock

    # --- one batch -------------------------------------------------------------------------

    async def send_batch(self, now: datetime) -> int:
        """Claim up to one batch of rows due at `now`, send them, record outcomes.

        Returns the number of rows claimed (0: nothing due).
        """
        if self.retry_pause_until is not None and now < self.retry_pause_until:
            return 0
        fresh = time.monotonic() - self.config.card_ttl
        known = {k for k, (t, _card) in self._cards.items() if t >= fresh}
        rows, loaded = await self.store.run(_claim, now=iso(now), limit=self.config.batch,
                                            known=known)
        stamp = time.monotonic()
        for key, card in loaded.items():
            self._cards[key] = (stamp, card)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._send(row, now) for row in rows))
        await self.store.run(store_delivery.finish, outcomes, now=iso(now))
        for o in outcomes:
            if o.status == "sent":
                metrics.MESSAGES_SENT.labels(source=o.row.kind).inc()
            elif o.status != "retry":
                metrics.MESSAGES_FAILED.labels(reason=o.status).inc()
        return len(rows)

    async def _send(self, row: OutboxRow, now: datetime) -> Outcome:
        entry = self._cards.get((row.card_id, row.language))
        card = entry[1] if entry else None
        if card is None:
            return Outcome(row, "failed", "card not found")
        key = (row.card_id, row.language, row.kind)
        rendered = self._rendered.get(key)
        if rendered is None or rendered[0] is not card:
            rendered = self._rendered[key] = (card, *render(card, row.language, row.kind))
        _card, message, count = rendered
        async with self._slots:
            try:
                with bulk():  # officers' replies overtake this send at the flood limiter
                    await self.limiter.acquire(row.officer_id, count)
                    await deliver(self.bot, self.store, row.officer_id, message,
                                  paid=self.config.allow_paid_broadcast)
            except RetryAfter as exc:
                ra = exc.retry_after
                seconds = math.ceil(ra.total_seconds() if hasattr(ra, "total_seconds") else ra)
                self.limiter.pause(seconds)
                self.retry_pause_until = now + timedelta(seconds=seconds)
                return Outcome(row, "retry", "RetryAfter", iso(now + timedelta(seconds=seconds)),
                               refund=True)
            except Forbidden as exc:
                return Outcome(row, "blocked", f"Forbidden: {exc.message}"[:200])
            except BadRequest as exc:
                log.warning("outbox row %s: Telegram refused the card %s: %s", row.id,
                            row.card_id, exc.message)
                return Outcome(row, "failed", f"BadRequest: {exc.message}"[:200])
            except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
                name = type(exc).__name__
                if not isinstance(exc, TimedOut):  # an answer came back: nothing was sent
                    self.limiter.refund(count)
                if row.attempts >= self.config.max_attempts:
                    return Outcome(row, "failed", name)
                delay = min(self.config.backoff_max,
                            self.config.backoff_base * 2 ** (row.attempts - 1))
                delay = math.ceil(delay * (0.5 + random.random()))  # stored to the second
                return Outcome(row, "retry", name, iso(now + timedelta(seconds=delay)))
            except Exception as exc:
                log.exception("outbox row %s: unexpected error", row.id)
                return Outcome(row, "failed", type(exc).__name__)
        return Outcome(row, "sent")


def _claim(db: Any, *, now: str, limit: int,
           known: set[tuple[str, str]]) -> tuple[list[OutboxRow], dict[tuple[str, str], Any]]:
    """On the store thread: claim a batch and load the cards it needs that are not cached."""
    rows = store_delivery.claim_due(db, now=now, limit=limit)
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if (row.card_id, row.language) not in known:
            wanted.setdefault(row.language, set()).add(row.card_id)
    loaded: dict[tuple[str, str], Any] = {}
    for lang, ids in wanted.items():
        found = {c.id: c for c in cards.get_cards(db, sorted(ids), lang)}
        for card_id in ids:
            loaded[(card_id, lang)] = found.get(card_id)
    return rows, loaded


def render(card: Any, lang: str, kind: str) -> tuple[Any, int]:
    """The card message with the engine's header line, and how many messages it takes."""
    message = cardview.render_card(card, lang)
    with_header = f"{header_text(kind, lang)}\n\n{message.body_html}"
    if cardview.telegram_length(with_header) <= cardview.TEXT_LIMIT:
        message = replace(message, body_html=with_header)
    media = sum(1 for p in (message.image_path, message.document_path) if p)
    texts = message.texts
    caption = media and len(texts) == 1 and \
        cardview.telegram_length(texts[0]) <= cardview.CAPTION_LIMIT
    return message, media + (0 if caption else len(texts))


async def deliver(bot: Bot, store: Store, chat_id: int, message: Any, *,
                  paid: bool = False) -> None:
    """Send a rendered card: text-only cards on the fast path, cards with media through the card
    view (file_id reuse, captions)."""
    texts = message.texts
    if not message.image_path and not message.document_path and len(texts) == 1 \
            and hasattr(bot, "_post"):
        # The same sendMessage as `cardview.send_card`, without building a `Message` object
        # from the answer (PTB's parsing costs more than the HTTP call; nothing uses it here).
        data = {"chat_id": chat_id, "text": texts[0], "parse_mode": ParseMode.HTML,
                "link_preview_options": NO_PREVIEW, "reply_markup": message.keyboard}
        if paid:
            data["allow_paid_broadcast"] = True
        await bot._post("sendMessage", data)
        return
    await cardview.send_card(bot, store, chat_id, message)
