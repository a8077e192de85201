"""The one way out to Telegram: every Bot API call the process makes waits here for its turn.

`FloodLimiter` is a python-telegram-bot `BaseRateLimiter`, set on the Application's bot
(`ApplicationBuilder().rate_limiter(...)`), so chat replies, callback answers, welcomes,
reminders and broadcasts all pass it (only `getUpdates` is exempt, by PTB). A limiter at this
level rather than in the HTTP transport sees the method and its data (chat id, paid broadcast)
and can retry a `RetryAfter` the way PTB documents it; the delivery engine sends through the
same bot, so there is one pace for the whole process.

- Overall: one call every `1/rate` seconds (29.4/s), evenly spaced, and never more than
  `window_limit` calls (30, Telegram's ~30/s) in any `window_span` seconds (1.02): a limiter
  that counts any sliding one-second window, as Telegram may, is satisfied even when a send
  reaches it up to 20 ms early or late relative to the one 30 sends before (the request's
  travel), and a burst never exceeds the pace. The pace is the most that cap allows
  (30 / 1.02 s), so the slack left under Telegram's limit is the jitter margin and nothing
  more. Paid broadcasts (`allow_paid_broadcast`) have their own pace (`paid_rate`).
- Per chat (messages only: `send*`, `copy*`, `forward*`): at most `chat_burst` messages in any
  `chat_window` seconds (3 in 3.3 s: the short burst Telegram tolerates in a private chat, one a
  second on average, with a margin for the request's travel).
- Priority: officers' replies (the default) overtake bulk sends. The delivery engine marks its
  sends bulk with `bulk()` (a context variable, so every call inside it is bulk, media cards
  included); `rate_limit_args={"priority": BULK}` does the same for one call.
- 429: the call is repeated after `retry_after` (that chat waits; others go on), up to
  `max_retries` times, then `RetryAfter` reaches the caller. The overall pace drops by a
  factor (`decrease`, 0.9, at most once a second) and climbs back by `increase` messages/s
  every second (3; AIMD), instead of pausing everything: a lone 429 from jitter costs about
  one message of throughput, a real overload keeps cutting the pace until the 429s stop.
- A 5xx or connection error (PTB's plain `NetworkError`) did not deliver the message: its slot
  is given back, so the next call goes sooner. Retrying it is the caller's business.

The limiter keeps time with the running loop's clock and sleeps with `asyncio.sleep`, so the
tests' virtual-time loop runs it without real waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot import metrics

log = logging.getLogger(__name__)

REPLY = 0  # answers to an officer: first
BULK = 1  # reminders, broadcasts, re-asks: when no reply waits

CATCH_UP = 10  # gaps of lateness the pace makes up for (the window still caps any second)

_priority: ContextVar[int] = ContextVar("pregonero_send_priority", default=REPLY)

# calls that do not count against Telegram's flood limits (set-up and files)
FREE = frozenset({
    "getUpdates", "getMe", "getFile", "getWebhookInfo", "setWebhook", "deleteWebhook",
    "logOut", "close", "getMyCommands",
})


def is_message(endpoint: str) -> bool:
    """Calls that put a message into a chat (the per-chat limit)."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Every Bot API call made inside (this task and tasks it creates) is a bulk send."""
    token = _priority.set(BULK)
    try:
        yield
    finally:
        _priority.reset(token)


def retry_seconds(exc: RetryAfter) -> float:
    ra: Any = exc.retry_after
    return float(ra.total_seconds() if hasattr(ra, "total_seconds") else ra)


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    chat: int | str | None = field(compare=False)
    paid: bool = field(compare=False)
    future: asyncio.Future[float] = field(compare=False)


class FloodLimiter(BaseRateLimiter[dict[str, Any]]):
    """See the module docstring."""

    def __init__(
        self,
        *,
        rate: float = 29.4,
        paid_rate: float = 900.0,
        window_limit: int = 30,
        window_span: float = 1.02,
        chat_burst: int = 3,
        chat_window: float = 3.3,
        max_retries: int = 6,
        decrease: float = 0.9,
        increase: float = 3.0,
        min_rate: float = 1.0,
    ) -> None:
        self.max_rate = rate
        self.rate = rate
        self.paid_rate = paid_rate
        self.window_limit = window_limit
        self.window_span = window_span
        self.chat_burst = chat_burst
        self.chat_window = chat_window
        self.max_retries = max_retries
        self.decrease = decrease
        self.increase = increase
        self.min_rate = min_rate
        self._heap: list[_Waiter] = []
        self._seq = itertools.count()
        self._next = 0.0  # earliest moment of the next free call
        self._next_paid = 0.0
        self._last = 0.0  # moment of the last grant, for AIMD's additive increase
        self._cut_until = 0.0
        self._chats: dict[int | str, deque[float]] = {}
        self._window: deque[float] = deque()  # moments of the last free calls
        self._blocked: dict[int | str, float] = {}  # chat -> until (after a 429)
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.granted = 0
        self.too_many = 0

    # --- PTB's interface -----------------------------------------------------------------

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for waiter in self._heap:
            if not waiter.future.done():
                waiter.future.cancel()
        self._heap.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in FREE:
            return await callback(*args, **kwargs)
        priority = (rate_limit_args or {}).get("priority", _priority.get())
        chat = data.get("chat_id") if is_message(endpoint) else None
        paid = bool(data.get("allow_paid_broadcast"))
        seq = next(self._seq)
        attempt = 0
        while True:
            stamp = await self.acquire(chat, priority=priority, paid=paid, seq=seq)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                attempt += 1
                self._unlog(chat, stamp)  # refused: it does not count in the chat's window
                self.on_retry_after(chat, retry_seconds(exc))
                if attempt > self.max_retries:
                    raise
                log.info("flood control on %s: retry %d after %.0f s", endpoint, attempt,
                         retry_seconds(exc))
            except NetworkError as exc:
                if type(exc) is NetworkError:  # 5xx or connection error: nothing delivered
                    self.refund(chat, stamp, paid=paid)
                raise

    # --- the pace ------------------------------------------------------------------------

    async def acquire(self, chat: int | str | None = None, *, priority: int = REPLY,
                      paid: bool = False, seq: int | None = None) -> float:
        """Wait for this call's turn; returns the moment it was granted (for `refund`)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = loop.create_future()
        waiter = _Waiter(priority, next(self._seq) if seq is None else seq, chat, paid, future)
        heapq.heappush(self._heap, waiter)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._dispatch(), name="flood-limiter")
        elif self._wake is not None:
            self._wake.set()
        try:
            return await future
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()  # the dispatcher skips it
            elif not future.cancelled():
                self.refund(chat, future.result(), paid=paid)
            raise

    def chat_ready(self, chat: int | str | None, now: float) -> float:
        """The earliest moment this chat may receive a message."""
        if chat is None:
            return now
        ready = self._blocked.get(chat, now)
        sent = self._chats.get(chat)
        if sent is not None and len(sent) >= self.chat_burst:
            ready = max(ready, sent[0] + self.chat_window)
        return ready

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        while True:
            heap = self._heap
            while heap and heap[0].future.done():
                heapq.heappop(heap)
            if not heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            now = loop.time()
            # the first waiter, by priority then arrival, whose chat and pace allow it now
            chosen: _Waiter | None = None
            soonest = float("inf")
            for waiter in sorted(heap):
                if waiter.future.done():
                    continue
                ready = max(self.chat_ready(waiter.chat, now),
                            self._next_paid if waiter.paid else self._free_at(now))
                if ready <= now:
                    chosen = waiter
                    break
                soonest = min(soonest, ready)
            if chosen is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, soonest - now)
                                               if soonest < float("inf") else None):
                        await self._wake.wait()
                continue
            heap.remove(chosen)
            heapq.heapify(heap)
            self._grant(chosen, now)

    def _free_at(self, now: float) -> float:
        """The earliest moment of the next free (not paid) call: the pace, and never more
        than `window_limit` calls in any `window_span` seconds (fewer while AIMD has cut the
        pace: as many as the pace allows in that span)."""
        window = self._window
        while len(window) > self.window_limit:
            window.popleft()
        limit = max(1, min(self.window_limit, round(self.rate * self.window_span)))
        at = self._next
        if len(window) >= limit:
            at = max(at, window[-limit] + self.window_span)
        return at

    def _grant(self, waiter: _Waiter, now: float) -> None:
        if waiter.paid:
            self._next_paid = max(now, self._next_paid) + 1.0 / self.paid_rate
        else:
            if self.rate < self.max_rate and now >= self._cut_until:
                self.rate = min(self.max_rate, self.rate + self.increase * (now - self._last))
            self._last = now
            gap = 1.0 / self.rate
            # A timer that fires late (a busy machine) does not cost its delay: the schedule
            # holds for up to CATCH_UP gaps, and the window keeps any second within the pace.
            # After an idle spell the schedule starts again from now.
            base = self._next if now - self._next <= CATCH_UP * gap else now
            self._next = base + gap
            self._window.append(now)
        if waiter.chat is not None:
            sent = self._chats.get(waiter.chat)
            if sent is None:
                sent = self._chats[waiter.chat] = deque(maxlen=self.chat_burst)
                if len(self._chats) > 20_000:
                    self._sweep(now)
            sent.append(now)
        self.granted += 1
        waiter.future.set_result(now)

    def _sweep(self, now: float) -> None:
        old = now - self.chat_window
        self._chats = {c: d for c, d in self._chats.items() if d and d[-1] > old}
        self._blocked = {c: t for c, t in self._blocked.items() if t > now}

    # --- feedback ------------------------------------------------------------------------

    def on_retry_after(self, chat: int | str | None, seconds: float) -> None:
        """Telegram said 429: that chat waits `seconds`; the overall pace slows down."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.too_many += 1
        metrics.TELEGRAM_RETRY_AFTER.inc()
        if chat is not None:
            self._blocked[chat] = max(self._blocked.get(chat, 0.0), now + seconds)
        else:
            self._next = max(self._next, now + seconds)
        if now >= self._cut_until:  # one cut per second, however many 429s arrive together
            self.rate = max(self.min_rate, self.rate * self.decrease)
            self._cut_until = now + 1.0
            self._last = now
        if self._wake is not None:
            self._wake.set()

    def refund(self, chat: int | str | None, stamp: float, *, paid: bool = False) -> None:
        """A call granted at `stamp` delivered nothing: give its slot back."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if paid:
            self._next_paid = max(now, self._next_paid - 1.0 / self.paid_rate)
        else:
            self._next = max(now, self._next - 1.0 / self.rate)
            if stamp in self._window:
                self._window.remove(stamp)
        self._unlog(chat, stamp)
        if self._wake is not None:
            self._wake.set()

    def _unlog(self, chat: int | str | None, stamp: float) -> None:
        sent = self._chats.get(chat) if chat is not None else None
        if sent is not None and stamp in sent:
            sent.remove(stamp)


def limited_bot(token: str, *, base_url: str, request: Any = None,
                limiter: FloodLimiter | None = None) -> Any:
    """A bot whose every call passes a `FloodLimiter` (what the Application's bot does), for
    scripts and tests that send without an Application."""
    from telegram.ext import ExtBot

    return ExtBot(token, base_url=base_url, request=request,
                  rate_limiter=limiter or FloodLimiter())
