"""An asyncio event loop whose clock jumps forward whenever the process is idle.

Tests that talk to the emulator run on this loop (see `pytest_plugin`): the bot's flood limiter
waits seconds between two messages to one chat, the strict emulator counts sends in sliding
one-second windows, and a test of 300 welcomes covers ten seconds of Telegram's time. None of
that may cost real seconds. On this loop `loop.time()` is the monotonic clock plus an offset;
when no callback is ready, no socket is readable and no executor job (the store's thread) is
running, the loop adds the time to its next timer to the offset instead of sleeping. Work still
costs its real time; only waiting is free.

Everything in the test (emulator, bot, store thread) must live in this process: a loop waiting
on another process (a subprocess, a browser) would skip its timeouts at once. Such tests are
marked `real_time`. Loopback sockets deliver within the sending system call, so a request
written by the bot is readable by the emulator before the loop looks again; a short real
poll before each jump covers the rest.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar, TypeVarTuple

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

GRACE = 0.0005  # seconds of real polling before time jumps (kernel work still in flight)


class _IdleSelector(selectors.DefaultSelector):
    """The default selector, except that an idle wait for a timer becomes a jump of the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if events or timeout == 0 or self.loop is None:
            return events
        if self.loop.jobs or timeout is None:
            # a thread is working (it will wake the loop) or nothing is scheduled at all
            return super().select(timeout)
        events = super().select(GRACE)
        if events:
            return events
        self.loop.jump(max(0.0, timeout - GRACE))
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop with a clock that skips idle waits (see the module docstring)."""

    def __init__(self) -> None:
        selector = _IdleSelector()
        super().__init__(selector)
        selector.loop = self
        self.offset = 0.0
        self.jobs = 0

    def time(self) -> float:
        return time.monotonic() + self.offset

    def jump(self, seconds: float) -> None:
        self.offset += seconds

    def run_in_executor(self, executor: Executor | None, func: Callable[[*Ts], T],
                        *args: *Ts) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.jobs += 1
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _future: asyncio.Future[Any]) -> None:
        self.jobs -= 1


def is_virtual() -> bool:
    """True inside a `VirtualTimeLoop`."""
    try:
        return isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
    except RuntimeError:
        return False
