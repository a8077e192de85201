"""Telegram's flood limits as token buckets: ~30 messages/s overall, ~1/s per chat.

The clock is injectable so tests can step time by hand; `check()` answers the whole seconds a
caller must wait (Telegram's `retry_after`) or 0, and only consumes tokens when it says 0.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class RateLimits:
    """Overall and per-chat limits; `enabled=False` lifts them all."""

    enabled: bool = False
    per_second: float = 30.0
    burst: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    paid_per_second: float = 1000.0
    clock: Callable[[], float] = time.monotonic
    _overall: Bucket | None = None
    _paid: Bucket | None = None
    _chats: dict[int | str, Bucket] = field(default_factory=dict)

    def check(self, chat_id: int | str, *, paid: bool = False) -> int:
        """0 if the message may go now (and count it), else Telegram's retry_after seconds."""
        if not self.enabled:
            return 0
        now = self.clock()
        if self._overall is None:
            self._overall = Bucket(self.per_second, self.burst)
            self._paid = Bucket(self.paid_per_second, self.paid_per_second)
        overall = self._paid if paid else self._overall
        assert overall is not None
        chat = self._chats.setdefault(
            chat_id, Bucket(self.per_chat_per_second, self.per_chat_burst))
        wait = max(overall.wait(now), chat.wait(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        overall.take()
        chat.take()
        return 0

    def reset(self) -> None:
        self._overall = self._paid = None
        self._chats.clear()
