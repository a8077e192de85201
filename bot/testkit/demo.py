"""`pregonero demo`: the whole bot with no Telegram token, in one process.

The emulator (a local Bot API server, which also serves the sandbox chat page), the real
`Runtime` (bot, delivery engine, admin web app) pointed at it, a demo officer enrolled through a
real `/start <code>`, and a terminal chat when stdin is a terminal. Without a terminal it
serves the sandbox and the web app until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import socket
import sys
from typing import TYPE_CHECKING, TextIO

from bot.clock import utcnow
from bot.config import DEMO_PORT, DEMO_TOKEN, Settings
from bot.errors import ConfigError
from bot.i18n import N_, gettext_for
from bot.store import Store
from bot.store.officers import Role, create_invite, delete_invite, get_officer, set_role
from bot.testkit.emulator import Emulator, EmulatorError
from bot.testkit.sandbox import add_sandbox_routes
from bot.testkit.terminal import TerminalChat

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEMO_USERNAME = "PregoneroDemoBot"
DEMO_USER_ID = 100001
DEFAULT_PORT = DEMO_PORT

S_RUNNING = N_("Pregonero demo: the bot runs against a local Telegram emulator (no token, "
               "nothing leaves this computer).")
S_SANDBOX = N_("Sandbox chat page: %(url)s")
S_WEB = N_("Admin web app: %(url)s (comms and admin people send /panel in the chat for a "
           "sign-in link; start the demo with --role comms or --role admin)")
S_STOP = N_("Ctrl-C stops the demo.")
S_STOPPED = N_("Demo stopped.")


def _port_free(host: str, port: int) -> bool:
    if port == 0:
        return True
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Demo:
    """Emulator + Runtime + a demo officer; `start()`, then `stop()`."""

    def __init__(self, settings: Settings, *, port: int = DEFAULT_PORT, lang: str = "es",
                 role: str = "officer", with_delivery: bool = True) -> None:
        self.lang = lang if lang in ("es", "en") else "es"
        self.role = Role(role)
        self.port = port
        self.with_delivery = with_delivery
        self.emulator = Emulator(DEMO_TOKEN, DEMO_USERNAME)
        add_sandbox_routes(self.emulator.app, self.enroll)
        host, web_port = settings.web
        if not _port_free(host, web_port):
            web_port = 0  # 8080 is taken: the web app takes a free port and says which
        self.settings = dataclasses.replace(settings, web=(host, web_port))
        self.store: Store | None = None
        self.runtime: Runtime | None = None
        self.user_id = DEMO_USER_ID

    @property
    def sandbox_url(self) -> str:
        return f"{self.emulator.url}/sandbox" + ("?lang=en" if self.lang == "en" else "")

    @property
    def web_url(self) -> str:
        return getattr(self.runtime, "web_address", "")

    async def start(self) -> None:
        from bot.runtime import Runtime

        try:
            base_url = await self.emulator.start("127.0.0.1", self.port)
        except OSError as exc:
            raise ConfigError(f"demo: cannot listen on 127.0.0.1:{self.port} "
                              f"({exc.strerror or exc}); try --port") from None
        self.settings = dataclasses.replace(self.settings, bot_token=DEMO_TOKEN,
                                            api_url=base_url)
        self.store = Store.open(self.settings.db)
        runtime = Runtime(self.settings, self.store, with_web=True,
                          with_delivery=self.with_delivery)
        self.runtime = runtime
        await runtime.start()
        first = "Agente Demo" if self.lang == "es" else "Demo Officer"
        await self.enroll(self.lang, user_id=DEMO_USER_ID, first_name=first, role=self.role)

    async def enroll(self, lang: str, *, user_id: int | None = None,
                     first_name: str | None = None, role: Role = Role.OFFICER) -> int:
        """A (new) user joins with a fresh invite through a real `/start <code>`."""
        assert self.store is not None
        name = first_name or ("Visitante" if lang == "es" else "Visitor")
        user = self.emulator.add_user(user_id, name, lang)
        known = await self.store.run(get_officer, user.id) if user_id is not None else None
        if known is not None and known.active:  # a demo database used before
            if known.role != role:  # `--role` says who the demo person is this time
                await self.store.run(set_role, user.id, role)
            await self.emulator.send_text(user.id, "/start")
            return user.id
        invite = await self.store.run(create_invite, role=role, max_uses=1, now=utcnow())
        await self.emulator.send_text(user.id, f"/start {invite.code}")
        # The invite was only the way in: once the bot has welcomed them, it is removed so the
        # invites page lists the codes people hand out, not one used-up code per demo chat.
        try:
            await self.emulator.wait_for(lambda: self.emulator.bot_messages(user.id), timeout=10)
        except (AssertionError, EmulatorError):
            return user.id  # not answered yet: the invite stays (used up, harmless)
        await self.store.run(delete_invite, invite.code)
        return user.id

    async def stop(self) -> None:
        runtime = self.runtime
        if runtime is not None:
            await runtime.stop()
            self.runtime = None
        await self.emulator.stop()
        if self.store is not None:
            self.store.close()
            self.store = None


async def run_demo(settings: Settings, *, port: int = DEFAULT_PORT, terminal: bool | None = None,
                   lang: str = "es", role: str = "officer", stdin: TextIO | None = None,
                   stdout: TextIO | None = None) -> None:
    """Start the demo; chat in the terminal (if any) or serve until SIGINT/SIGTERM."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if terminal is None:
        terminal = stdin.isatty()
    _ = gettext_for(lang)
    demo = Demo(settings, port=port, lang=lang, role=role)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    started = False
    try:
        await demo.start()
        started = True
        for line in (_(S_RUNNING), _(S_SANDBOX) % {"url": demo.sandbox_url},
                     _(S_WEB) % {"url": demo.web_url}, _(S_STOP), ""):
            stdout.write(line + "\n")
        stdout.flush()
        if terminal:
            chat = TerminalChat(demo.emulator, demo.user_id, demo.lang, stdin=stdin,
                                stdout=stdout, ansi=stdout.isatty())
            chat_task = asyncio.create_task(chat.run())
            stop_task = asyncio.create_task(stopping.wait())
            await asyncio.wait({chat_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            for task in (chat_task, stop_task):
                task.cancel()
            await asyncio.gather(chat_task, stop_task, return_exceptions=True)
        else:
            await stopping.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await demo.stop()
        if started:
            stdout.write(_(S_STOPPED) + "\n")
            stdout.flush()
