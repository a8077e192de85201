"""Telegram's flood limits: ~30 messages/s overall, ~1/s per chat with a short burst.

Two modes. `strict=True` (what tests use, see `pytest_plugin`) is the strictest reading of
Telegram's FAQ (`../shared/telegram/FACTS.md` §1.2): it keeps the time of every accepted send
and refuses one that would make more than `per_second` sends in ANY sliding window of one
second overall, or more than `per_chat_burst` sends to one chat in any window of
`per_chat_burst / per_chat_per_second` seconds (three in any three seconds: a burst of three,
one a second on average). A sender that bursts 5 and then paces at 29/s draws 429s here.
`strict=False` is the older, forgiving token bucket (bursts of `burst` allowed).

The clock is injectable so tests can step time by hand; by default it is the running loop's
clock (the virtual clock of `virtualtime.VirtualTimeLoop` in tests). `check()` answers the
whole seconds a caller must wait (Telegram's `retry_after`, at least 1) or 0, and only counts
the send when it says 0.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


def loop_time() -> float:
    """The running loop's clock (virtual in tests), else the monotonic clock."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float  # capacity
    tokens: float = -1.0
    stamp: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is there now)."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.tokens -= 1


@dataclass
class Window:
    """At most `limit` events in any sliding window of `span` seconds."""

    limit: int
    span: float
    log: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        log = self.log
        while log and log[0] <= now - self.span:
            log.popleft()
        return 0.0 if len(log) < self.limit else log[0] + self.span - now

    def take(self, now: float) -> None:
        self.log.append(now)


@dataclass
class RateLimits:
    """Overall and per-chat limits; `enabled=False` lifts them all."""

    enabled: bool = False
    per_second: float = 30.0
    burst: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    paid_per_second: float = 1000.0
    strict: bool = False
    clock: Callable[[], float] = loop_time
    peak: int = 0  # strict: the most free sends seen in one sliding second
    _overall: Bucket | Window | None = None
    _paid: Bucket | Window | None = None
    _chats: dict[int | str, Bucket | Window] = field(default_factory=dict)

    @classmethod
    def telegram(cls, *, clock: Callable[[], float] = loop_time) -> RateLimits:
        """Strict limits as Telegram's FAQ reads at its strictest (the tests' default)."""
        return cls(enabled=True, strict=True, clock=clock)

    def check(self, chat_id: int | str, *, paid: bool = False) -> int:
        """0 if the message may go now (and count it), else Telegram's retry_after seconds."""
        if not self.enabled:
            return 0
        now = self.clock()
        if self._overall is None:
            if self.strict:
                self._overall = Window(int(self.per_second), 1.0)
                self._paid = Window(int(self.paid_per_second), 1.0)
            else:
                self._overall = Bucket(self.per_second, self.burst)
                self._paid = Bucket(self.paid_per_second, self.paid_per_second)
        overall = self._paid if paid else self._overall
        assert overall is not None
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict:
                n = max(1, int(self.per_chat_burst))
                chat = Window(n, n / self.per_chat_per_second)
            else:
                chat = Bucket(self.per_chat_per_second, self.per_chat_burst)
            self._chats[chat_id] = chat
        wait = max(overall.wait(now), chat.wait(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        overall.take(now)
        chat.take(now)
        if isinstance(overall, Window) and not paid:
            self.peak = max(self.peak, len(overall.log))
        return 0

    def reset(self) -> None:
        self._overall = self._paid = None
        self._chats.clear()
