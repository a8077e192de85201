"""Updates are stored before they are confirmed, and marked done when handled.

python-telegram-bot's own Updater confirms a batch (the next `getUpdates` offset) as soon as it
has queued it, before any handler ran: a crash then loses the batch, because Telegram forgets
confirmed updates. Pregonero polls with `InboxPoller` instead:

1. `getUpdates(offset)` long-polls a batch;
2. the batch is stored in the inbox (`bot.store.inbox`) in one transaction;
3. the updates new to the inbox go to the Application's queue (a repeat is dropped);
4. only then the next `getUpdates(offset = last + 1)` confirms the batch to Telegram.

`InboxProcessor` (the Application's update processor, 64 updates at a time) marks each update
done when its handlers have finished. At start, `InboxPoller.start()` first queues the updates
stored and not yet handled by the previous process (after a crash or `kill -9`). The webhook
route does the same as step 2-3 before it answers 200 (`receive`).

When the inbox cannot be written (a full or read-only disk) the bot still answers: the batch
is handled from memory and confirmed, with an error in the log and in `/healthz`
(`durable: false`); only those updates would be lost by a crash at that moment.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, SimpleUpdateProcessor

from bot.clock import utcnow
from bot.store import Store, describe_error, inbox

log = logging.getLogger(__name__)

POLLER_KEY = "pregonero.inbox_poller"
PRUNE_EVERY_S = 3600.0
MAX_BACKOFF_S = 30.0


class InboxProcessor(SimpleUpdateProcessor):
    """Runs up to `max_concurrent_updates` updates at once; marks each done in the inbox when
    its handlers have finished (not when the process is stopped in the middle of them)."""

    def __init__(self, store: Store, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.store = store

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._done(update)
            raise
        await self._done(update)

    async def _done(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        try:
            await self.store.run(inbox.mark_done, update.update_id, now=utcnow())
        except Exception as exc:  # the reply went out; at worst it is handled again after a crash
            log.warning("could not mark update %s handled: %s", update.update_id,
                        describe_error(exc, self.store.path))


class InboxPoller:
    """Long polling that confirms a batch to Telegram only after it is stored."""

    def __init__(self, application: Application, store: Store, *,
                 timeout: int = 10, allowed_updates: list[str] | None = None) -> None:
        self.application = application
        self.store = store
        self.timeout = timeout
        self.allowed_updates = allowed_updates if allowed_updates is not None \
            else list(Update.ALL_TYPES)
        self.running = False
        self.durable = True  # False while the inbox refuses writes
        self.error: str | None = None  # why polling stopped for good (a bad token)
        self.recovered = 0  # updates left by the previous process, handled at this start
        self._task: asyncio.Task[None] | None = None
        self._recent: deque[int] = deque(maxlen=10_000)  # dedup while the inbox is unwritable
        self._pruned_at = 0.0

    async def start(self) -> None:
        """Queue what the previous process stored and did not handle, then start polling."""
        await self.recover()
        self.running = True
        self._task = asyncio.create_task(self._loop(), name="inbox-poller")

    async def recover(self) -> int:
        pending, given_up = await self.store.run(inbox.take_pending, now=utcnow())
        if given_up:
            log.error("gave up %d stored update(s) whose handling stopped the process "
                      "three times", given_up)
        bot = self.application.bot
        for data in pending:
            await self.application.update_queue.put(Update.de_json(data, bot))
        if pending:
            log.info("handling %d update(s) received before the last stop and not answered",
                     len(pending))
        self.recovered = len(pending)
        await self._prune()
        return len(pending)

    async def stop(self) -> None:
        """Stop polling. What was fetched is stored; Telegram learns it at the next start."""
        self.running = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def receive(self, updates: list[Update]) -> list[Update]:
        """Store a batch, then queue the updates that are new. Returns the queued ones."""
        if not updates:
            return []
        payloads = [u.to_dict() for u in updates]
        try:
            fresh_ids = set(await self.store.run(inbox.store_updates, payloads, now=utcnow()))
            if not self.durable:
                log.info("the inbox takes writes again")
            self.durable = True
        except Exception as exc:
            if self.durable:
                log.error("could not store %d update(s), handling them without a durable "
                          "copy: %s", len(updates), describe_error(exc, self.store.path))
            self.durable = False
            fresh_ids = {u.update_id for u in updates if u.update_id not in self._recent}
        queued = []
        for update in updates:
            self._recent.append(update.update_id)
            if update.update_id in fresh_ids:
                await self.application.update_queue.put(update)
                queued.append(update)
        return queued

    async def _loop(self) -> None:
        bot = self.application.bot
        offset: int | None = None  # at start: everything Telegram still holds (repeats dropped)
        backoff = 0.0
        while self.running:
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.timeout,
                                                allowed_updates=self.allowed_updates)
            except asyncio.CancelledError:
                raise
            except InvalidToken as exc:
                self.error = f"Telegram refused the token: {exc.message}"
                log.error("polling stopped: %s", self.error)
                self.running = False
                return
            except RetryAfter as exc:
                ra = exc.retry_after
                wait = ra.total_seconds() if hasattr(ra, "total_seconds") else float(ra)
                log.warning("getUpdates: flood control, waiting %.0f s", wait)
                await asyncio.sleep(wait)
                continue
            except (Conflict, TelegramError) as exc:
                backoff = min(max(backoff * 2, 1.0), MAX_BACKOFF_S)
                log.warning("getUpdates failed (%s: %s); trying again in %.0f s",
                            type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                continue
            backoff = 0.0
            if updates:
                await self.receive(list(updates))
                # the next call confirms this batch: only now that it is stored
                offset = max(u.update_id for u in updates) + 1
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                await self._prune()

    async def _prune(self) -> None:
        self._pruned_at = time.monotonic()
        try:
            await self.store.run(inbox.prune, now=utcnow())
        except Exception as exc:
            log.warning("could not prune the inbox: %s", describe_error(exc, self.store.path))
