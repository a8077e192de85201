"""Drains the outbox through the bot's flood limiter and records every outcome as it returns.

- Pace: the bot's `FloodLimiter` (`bot/telegram_limiter.py`) paces every call the process
  makes, these included; the sender marks its calls bulk, so officers' replies overtake them,
  and does no pacing of its own. A bot without a rate limiter (some tests, the unlimited
  benchmark) sends as fast as `concurrency` allows.
- A pipeline, not batches: `drain()` claims rows a little ahead of the senders (at most
  `batch` at a time, topped up when fewer than `capacity` wait), `capacity` workers send,
  and a recorder commits outcomes every `flush_every` seconds (one store call per group). So the
  pace never stalls on a batch boundary, and a `kill -9` resends only what was on the wire or
  answered in the last few tens of milliseconds (see `bot/store/delivery.py`).
- Sends in flight follow the pace: `capacity` (sends waiting at the limiter or on the wire
  at once) is the limiter's rate times `expected_latency` (0.5 s: Telegram answers in about
  0.1-0.2 s), at least `min_concurrency` (32) and at most `max_concurrency` (1,000): 32 at
  the free 29.4/s, 450 for paid broadcasts at 900/s (32 would cap them near 32 / 0.15 s, about
  200/s). `concurrency` set by hand overrides it. A `kill -9` repeats at most the sends on the
  wire, never more than `capacity`; in practice the rate times Telegram's latency plus one
  group commit (1 or 2 at 29.4/s; about 150 at 900/s with Telegram 0.15 s away).
- 429 that the limiter gave up on: the row goes back to `pending` at `retry_after` (not counted
  as an attempt).
- 5xx, timeouts, network errors: retried soon, in memory (`retry_soon` times: at once, then
  after about 0.5 and 1 s), then with a stored exponential backoff (`backoff_base` doubling,
  up to `backoff_max`) until `max_attempts`, then `failed`. An outage of seconds costs seconds,
  and a lone 5xx near the end of a broadcast does not hold up its last delivery.
- 403: the officer blocked the bot: row `blocked`, officer marked blocked.
- 400 and anything else: `failed` with the error class, not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import metrics
from bot.chatkit.cards import CardSender
from bot.content import cardview
from bot.content.render import telegram_length
from bot.i18n import gettext_for
from bot.store import Store, cards
from bot.store import delivery as store_delivery
from bot.store.delivery import OutboxRow, Outcome
from bot.telegram_limiter import bulk, retry_seconds

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


@dataclass(frozen=True)
class SenderConfig:
    concurrency: int | None = None  # sends in flight at once; None: follow the limiter's rate
    expected_latency: float = 0.5  # seconds a send waits for Telegram's answer, at most
    min_concurrency: int = 32
    max_concurrency: int = 1000
    batch: int = 64  # rows claimed per store call
    flush_every: float = 0.025  # seconds between two commits of outcomes
    max_attempts: int = 6
    retry_soon: int = 3  # first retries of a 5xx/timeout, in memory
    retry_soon_base: float = 0.5
    backoff_base: float = 30.0  # then stored: 30 s, 60 s, ... up to backoff_max
    backoff_max: float = 600.0
    card_ttl: float = 60.0
    # Paid broadcasts (up to 1,000 msg/s, 0.1 Star per message over 30/s, enabled in
    # @BotFather): every message of a card (text, photo, document) then carries
    # `allow_paid_broadcast` and the limiter paces them at its paid rate.
    allow_paid_broadcast: bool = False


def capacity(config: SenderConfig, bot: Any) -> int:
    """Sends in flight at once: `config.concurrency`, else the pace of `bot`'s flood limiter
    (its paid rate for paid broadcasts) times the expected latency, within the bounds. A bot
    without a limiter (some tests, the unlimited benchmark) gets the lower bound."""
    if config.concurrency is not None:
        return max(1, config.concurrency)
    limiter = getattr(bot, "rate_limiter", None)
    rate = getattr(limiter, "paid_rate" if config.allow_paid_broadcast else "max_rate", None)
    if not isinstance(rate, int | float):
        return config.min_concurrency
    want = math.ceil(rate * config.expected_latency)
    return max(config.min_concurrency, min(config.max_concurrency, want))


@dataclass
class _Tally:
    """What the kill -9 window is made of, counted on the loop: sends that came back from
    Telegram, outcomes not committed yet, groups committed."""

    answered: int = 0
    unrecorded: int = 0
    commits: int = 0


class _Recorder:
    """Outcomes as they return, committed in groups every `every` seconds."""

    def __init__(self, store: Store, every: float, now: Callable[[], datetime],
                 tally: _Tally | None = None) -> None:
        self.tally = tally or _Tally()
        self.store = store
        self.every = every
        self.now = now
        self.pending: list[Outcome] = []
        self._task: asyncio.Task[None] | None = None
        self.commits = 0

    def add(self, outcome: Outcome) -> None:
        self.pending.append(outcome)
        self.tally.unrecorded += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.every)
        await self.flush()

    async def flush(self) -> None:
        while self.pending:
            group, self.pending = self.pending, []
            await self.store.run(store_delivery.finish, group, now=self.now())
            self.commits += 1
            self.tally.unrecorded -= len(group)
            self.tally.commits += 1
            for o in group:
                if o.status == "sent":
                    metrics.MESSAGES_SENT.labels(source=o.row.kind).inc()
                elif o.status != "retry":
                    metrics.MESSAGES_FAILED.labels(reason=o.status).inc()

    async def close(self) -> None:
        """Commit everything (a group already on its way to the store is awaited, never
        cancelled: its outcomes would be lost and its rows left `sending`)."""
        task, self._task = self._task, None
        if task is not None:
            await task
        await self.flush()


class Sender:
    """Claims due outbox rows, sends them with `bot`, records outcomes."""

    def __init__(self, store: Store, bot: Bot, config: SenderConfig | None = None) -> None:
        self.store = store
        self.bot = bot
        self.config = config or SenderConfig()
        self._cards: dict[tuple[str, str], tuple[float, Any]] = {}
        # the same card for everyone: rendered once per card object, language and kind
        self._rendered: dict[tuple[str, str, str], tuple[Any, Any, int]] = {}
        self.cards = CardSender(store)
        self.in_flight = 0  # sends at the limiter or on the wire now
        self.peak_in_flight = 0
        self.tally = _Tally()  # answered, not yet recorded, commits (the kill -9 window)
        self.unrecorded = 0  # answered, not committed yet

    @property
    def capacity(self) -> int:
        """Sends in flight at once (see `capacity()`)."""
        return capacity(self.config, self.bot)

    # --- the pipeline ----------------------------------------------------------------------

    async def drain(self, now: Callable[[], datetime],
                    until: Callable[[], bool] = lambda: False) -> int:
        """Send due rows until none is left (or `until()`); returns the rows claimed.

        Rows claimed but not sent when `until()` stops the drain go back to `pending`; rows
        waiting for a soon retry are stored with their retry time.
        """
        cfg = self.config
        width = self.capacity
        recorder = _Recorder(self.store, cfg.flush_every, now, self.tally)
        queue: asyncio.Queue[OutboxRow | None] = asyncio.Queue()
        need = asyncio.Event()
        need.set()
        retrying: dict[int, tuple[OutboxRow, datetime, asyncio.TimerHandle]] = {}
        claimed = 0
        busy = 0  # rows taken by workers
        loop = asyncio.get_running_loop()

        stopping = False

        def requeue(row_id: int) -> None:
            row, _at, _handle = retrying.pop(row_id)
            queue.put_nowait(row)

        def record(outcome: Outcome) -> None:
            if outcome.status == "soon":
                at = now() + timedelta(seconds=outcome.delay)
                if stopping:  # no worker will take it: store it with its retry time
                    recorder.add(Outcome(outcome.row, "retry", outcome.error, at))
                    return
                handle = loop.call_later(outcome.delay, requeue, outcome.row.id)
                retrying[outcome.row.id] = (outcome.row, at, handle)
                return
            recorder.add(outcome)

        def give_back() -> None:
            """Rows waiting for a soon retry are stored with their retry time; rows claimed
            and not sent go back to pending (the attempt not counted)."""
            for row_id in list(retrying):
                row, at, handle = retrying.pop(row_id)
                handle.cancel()
                recorder.add(Outcome(row, "retry", "retry soon", at))
            while not queue.empty():
                queued = queue.get_nowait()
                if queued is not None:
                    recorder.add(Outcome(queued, "retry", None, now(), refund=True))

        async def worker() -> None:
            nonlocal busy
            while True:
                row = await queue.get()
                if row is None:
                    return
                busy += 1
                try:
                    record(await self._send(row, now()))
                finally:
                    busy -= 1
                    if queue.qsize() < width:
                        need.set()

        workers = [asyncio.create_task(worker()) for _ in range(width)]
        try:
            while not until():
                if queue.qsize() >= width:
                    need.clear()
                    await _wait(need, 0.5)
                    continue
                rows = await self._claim(now(), max(cfg.batch, width // 4))
                claimed += len(rows)
                for row in rows:
                    queue.put_nowait(row)
                if rows:
                    continue
                if not retrying and busy == 0 and queue.empty():
                    break
                need.clear()  # nothing due now: wait for a worker or a soon retry
                await _wait(need, 0.1)
        finally:
            stopping = True
            give_back()
            for _ in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers, return_exceptions=True)
            give_back()  # what the last sends on the wire left (sentinels included)
            await recorder.close()
        return claimed

    async def send_batch(self, now: datetime) -> int:
        """Claim one batch due at `now`, send it and record the outcomes (no soon retries:
        a 5xx is stored with its backoff). Returns the rows claimed."""
        rows = await self._claim(now, self.config.batch)
        if not rows:
            return 0
        recorder = _Recorder(self.store, self.config.flush_every, lambda: now, self.tally)
        outcomes = await asyncio.gather(*(self._send(row, now, soon=False) for row in rows))
        for o in outcomes:
            recorder.add(o)
        await recorder.close()
        return len(rows)

    async def _claim(self, now: datetime, limit: int) -> list[OutboxRow]:
        fresh = time.monotonic() - self.config.card_ttl
        known = {k for k, (t, _card) in self._cards.items() if t >= fresh}
        rows, loaded = await self.store.run(_claim, now=now, limit=limit, known=known)
        stamp = time.monotonic()
        for key, card in loaded.items():
            self._cards[key] = (stamp, card)
        return rows

    # --- one send ----------------------------------------------------------------------------

    async def _send(self, row: OutboxRow, now: datetime, *, soon: bool = True) -> Outcome:
        entry = self._cards.get((row.card_id, row.language))
        card = entry[1] if entry else None
        if card is None:
            return Outcome(row, "failed", "card not found")
        key = (row.card_id, row.language, row.kind)
        rendered = self._rendered.get(key)
        if rendered is None or rendered[0] is not card:
            rendered = self._rendered[key] = (card, *render(card, row.language, row.kind))
        _card, message, _count = rendered
        cfg = self.config
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            with bulk():  # officers' replies overtake this send at the flood limiter
                await self.cards.deliver(self.bot, row.officer_id, message,
                                         paid=cfg.allow_paid_broadcast)
        except RetryAfter as exc:  # the limiter retried and gave up
            seconds = math.ceil(retry_seconds(exc))
            return Outcome(row, "retry", "RetryAfter", now + timedelta(seconds=seconds),
                           refund=True)
        except Forbidden as exc:
            return Outcome(row, "blocked", f"Forbidden: {exc.message}"[:200])
        except BadRequest as exc:
            log.warning("outbox row %s: Telegram refused the card %s: %s", row.id,
                        row.card_id, exc.message)
            return Outcome(row, "failed", f"BadRequest: {exc.message}"[:200])
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts, connection errors
            name = type(exc).__name__
            if row.attempts >= cfg.max_attempts:
                return Outcome(row, "failed", name)
            if soon and row.attempts <= cfg.retry_soon:
                delay = 0.0 if row.attempts == 1 else \
                    cfg.retry_soon_base * 2 ** (row.attempts - 2) * (0.5 + random.random())
                return Outcome(replace(row, attempts=row.attempts + 1), "soon", name,
                               delay=delay)
            delay = min(cfg.backoff_max, cfg.backoff_base * 2 ** max(
                0, row.attempts - 1 - cfg.retry_soon))
            delay = math.ceil(delay * (0.5 + random.random()))  # stored to the second
            return Outcome(row, "retry", name, now + timedelta(seconds=delay))
        except Exception as exc:
            log.exception("outbox row %s: unexpected error", row.id)
            return Outcome(row, "failed", type(exc).__name__)
        finally:
            self.in_flight -= 1
            self.tally.answered += 1
        return Outcome(row, "sent")


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


def _claim(db: Any, *, now: datetime, limit: int,
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


def preview_note(lang: str) -> str:
    """The line above a preview, so that nobody takes it for a real send."""
    _ = gettext_for(lang)
    note = _("Preview, for you only: officers will get the message below")
    return f"👁 <i>{note}</i>"


def render(card: Any, lang: str, kind: str, *, preview: bool = False) -> tuple[Any, int]:
    """The card message with the engine's header line, and how many messages it takes.
    A preview gets a line above the header saying it is one."""
    message = cardview.render_card(card, lang)
    head = header_text(kind, lang)
    if preview:
        head = f"{preview_note(lang)}\n\n{head}"
    with_header = f"{head}\n\n{message.body_html}"
    if telegram_length(with_header) <= cardview.TEXT_LIMIT:
        message = replace(message, body_html=with_header)
    media = sum(1 for p in (message.image_path, message.document_path) if p)
    texts = message.texts
    caption = media and len(texts) == 1 and \
        telegram_length(texts[0]) <= cardview.CAPTION_LIMIT
    return message, media + (0 if caption else len(texts))
