"""The delivery engine: a persisted scheduler tick and the outbox sender, in the bot's loop.

Schedules live in the database. Every `tick_seconds` (and at once after `wake()`), the engine
plans what became due into the outbox (`scheduler.plan_due`), then drains due rows with the
`Sender`'s pipeline until none is left (a long broadcast yields every few ticks to plan
again). A broadcast queued by the CLI (another process) is seen at the next tick: one cheap
indexed query.

Restart safety: on `start()`, rows a dead process left in `sending` go back to `pending`
(`store.delivery.recover_inflight`): at least once, see `bot/store/delivery.py` for the
in-flight window. `stop()` lets the sends on the wire finish and leaves the rest pending.

`tick(now)` runs one planning and draining pass at a given moment, for tests and scripts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from telegram import Bot

from bot import metrics
from bot.clock import utcnow
from bot.config import Settings
from bot.delivery import scheduler
from bot.delivery.planner import GRACE
from bot.delivery.sender import Sender, SenderConfig
from bot.delivery.timezones import QUIET, QuietHours
from bot.store import Store
from bot.store import delivery as store_delivery

log = logging.getLogger(__name__)

ACK_EVERY = 60.0  # seconds between two passes over acknowledgements (re-asks, reminders)


class DeliveryEngine:
    def __init__(
        self,
        store: Store,
        bot: Bot,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        config: SenderConfig | None = None,
        tick_seconds: float = 2.0,
        grace: timedelta = GRACE,
        quiet: QuietHours = QUIET,
    ) -> None:
        self.store = store
        self.bot = bot
        self.settings = settings
        self.clock = clock
        self.sender = Sender(store, bot, config)
        self.tick_seconds = tick_seconds
        self.grace = grace
        self.quiet = quiet
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.recovered = 0

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover rows left in flight by a previous process, then run the loop."""
        self.recovered = await self.store.run(store_delivery.recover_inflight)
        if self.recovered:
            log.warning("outbox: %d rows were in flight when the last process stopped; "
                        "they will be sent again", self.recovered)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="delivery-engine")

    async def stop(self) -> None:
        """Finish the sends on the wire and leave the rest pending."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await self._task
            finally:
                self._task = None

    def wake(self) -> None:
        """Plan and send now (e.g. after the web app queued a broadcast)."""
        self._wake.set()

    # --- passes --------------------------------------------------------------------------------

    async def plan(self, now: datetime, *, acks: bool = True) -> scheduler.PlanReport:
        return await self.store.run(scheduler.plan_due, now, grace=self.grace, quiet=self.quiet,
                                    acks=acks)

    async def tick(self, now: datetime) -> int:
        """One planning pass and a drain of every row due at `now`; returns rows claimed."""
        await self.plan(now)
        claimed = await self.drain(lambda: now)
        await self._gauges(now)
        return claimed

    async def drain(self, now: Callable[[], datetime],
                    until: Callable[[], bool] = lambda: False) -> int:
        """Send due rows until none is left (or `until()`): the sender's pipeline."""
        return await self.sender.drain(now, until)

    async def _gauges(self, now: datetime) -> datetime | None:
        depth = await self.store.run(store_delivery.depth, now)
        metrics.OUTBOX_DEPTH.set(depth.due)
        oldest = depth.oldest_due
        metrics.SCHEDULER_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        return depth.next_due

    async def _run(self) -> None:
        last_plan = last_acks = -1e9
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - last_plan >= self.tick_seconds or self._wake.is_set():
                    self._wake.clear()
                    acks = loop.time() - last_acks >= ACK_EVERY
                    await self.plan(self.clock(), acks=acks)
                    last_plan = loop.time()
                    if acks:
                        last_acks = last_plan
                # plan again every few seconds while a long broadcast drains, then go on
                deadline = loop.time() + self.tick_seconds * 5
                sent = await self.drain(self.clock, partial(self._should_yield, loop, deadline))
                busy = sent > 0 and _past(loop, deadline)
                nxt = await self._gauges(self.clock())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery engine pass failed; retrying")
                nxt, busy = None, False
            if self._stopping:
                break
            if busy:
                continue
            wait = self.tick_seconds
            ahead = (nxt - self.clock()).total_seconds() if nxt is not None else 0.0
            if ahead > 0:  # rows already due but not claimable (paused campaign) wait a tick
                wait = min(wait, ahead)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.05, wait))
            except TimeoutError:
                pass

    def _should_yield(self, loop: asyncio.AbstractEventLoop, deadline: float) -> bool:
        return self._stopping or _past(loop, deadline)


def _past(loop: asyncio.AbstractEventLoop, deadline: float) -> bool:
    return loop.time() >= deadline
