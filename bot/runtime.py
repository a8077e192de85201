"""One event loop for the whole process: the bot, the delivery engine and the web app.

`Runtime.start()` builds each part with its own factory, in this order: the python-telegram-bot
Application (initialised, commands set, then polling or a webhook), the delivery engine, the
web app. `stop()` undoes it in reverse. `serve()` runs it until SIGINT or SIGTERM.

Updates are stored in the inbox before Telegram is told they arrived (`bot.chat.inbox`): in
polling mode by `InboxPoller`, in webhook mode by the web app's route (`webhook_path(url)`),
which checks the secret token header, stores the update and only then answers 200.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.chat.inbox import POLLER_KEY, InboxPoller
from bot.config import Settings
from bot.errors import ConfigError
from bot.store import Store
from bot.web.security import same_secret

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    """The local route for a public webhook URL: its path, or `/telegram` when it has none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--webhook-url {url!r} is not an http(s) URL")
    return parts.path if parts.path not in ("", "/") else "/telegram"


def chat_areas() -> tuple[Any, ...]:
    """Each chat area's `register(application)`, in the order their handlers are tried."""
    from bot.chat import app, panel
    from bot.delivery import handlers

    return (app.register, handlers.register, panel.register)


class Runtime:
    """The running bot, delivery engine and web app, sharing one loop and one store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        with_web: bool = True,
        with_delivery: bool = True,
        webhook_url: str | None = None,
        request: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.with_web = with_web or webhook_url is not None
        self.with_delivery = with_delivery
        self.webhook_url = webhook_url
        self.request = request
        self.application: Application | None = None
        self.engine: Any = None
        self.web_app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.poller: Any = None
        self._secret = secrets.token_urlsafe(32)
        self._warming: asyncio.Task[None] | None = None

    @property
    def web_address(self) -> str:
        host, port = self.settings.web
        if self._runner is not None and self._runner.addresses:
            host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        from bot.chat.app import build_application, on_start

        request = self.request
        if request is None:
            try:
                from bot.telegram_request import AiohttpRequest
            except ImportError:  # the fast transport is optional; PTB's httpx works too
                request = None
            else:
                request = AiohttpRequest()
        self.application = application = build_application(
            self.settings, self.store, areas=chat_areas(), request=request
        )
        await application.initialize()
        await on_start(application)
        # the search index, the passage vectors and the model load in the background
        self._warming = asyncio.create_task(self._warm_search())
        self.poller = poller = InboxPoller(application, self.store, timeout=10)
        application.bot_data[POLLER_KEY] = poller
        await application.start()
        if self.webhook_url:
            await poller.recover()
            await application.bot.set_webhook(
                self.webhook_url, secret_token=self._secret, allowed_updates=Update.ALL_TYPES
            )
        else:
            await application.bot.delete_webhook()
            await poller.start()

        if self.with_delivery:
            from bot.delivery.engine import DeliveryEngine

            self.engine = DeliveryEngine(self.store, application.bot, self.settings)
            await self.engine.start()

        if self.with_web:
            from bot.web.app import init_app

            self.web_app = init_app(self.settings, self.store, application)
            if self.webhook_url:
                self.web_app.router.add_post(webhook_path(self.webhook_url), self._webhook)
            self._runner = web.AppRunner(self.web_app, access_log=None)
            await self._runner.setup()
            host, port = self.settings.web
            await web.TCPSite(self._runner, host, port).start()
        log.info("pregonero running: %s, web app at %s",
                 "webhook" if self.webhook_url else "long polling", self.web_address)

    async def _warm_search(self) -> None:
        from bot.search import warm_async

        try:
            await warm_async(self.store.run)
        except Exception:  # the first search loads what is missing; never stop the bot
            log.warning("could not preload the search index", exc_info=True)

    async def _webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST of one update: check the secret, store and queue the update, then
        answer 200 (a repeat of a stored update is answered 200 and not handled again)."""
        given = request.headers.get(SECRET_HEADER, "")
        if not same_secret(given, self._secret):
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="bad json")
        assert self.application is not None
        update = Update.de_json(data, self.application.bot)
        if update is None:
            return web.Response(status=400, text="not an update")
        await self.poller.receive([update])
        return web.Response(text="ok")

    async def stop(self) -> None:
        if self._warming is not None:  # it uses the store: done before the store closes
            await self._warming
            self._warming = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None
        if self.poller is not None:
            await self.poller.stop()
        application = self.application
        if application is not None:
            if application.running:
                await application.stop()
            if self.webhook_url:
                try:
                    await application.bot.delete_webhook()
                except Exception:  # the process is stopping; Telegram will retry anyway
                    log.warning("could not delete the webhook on stop", exc_info=True)
            await application.shutdown()
            self.application = None


async def serve(settings: Settings, *, webhook_url: str | None = None,
                init: bool = False) -> None:
    """Run the bot, the delivery engine and the web app until SIGINT or SIGTERM.

    A missing or empty database is refused unless `init` (one line, nothing created)."""
    settings.require_token()
    store = Store.open(settings.db, create=init)
    runtime = Runtime(settings, store, webhook_url=webhook_url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await runtime.start()
        print(f"Pregonero is running. Web app: {runtime.web_address}. Ctrl-C stops.", flush=True)
        await stopping.wait()
    finally:
        await runtime.stop()
        store.close()
