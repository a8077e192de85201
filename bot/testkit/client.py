"""One Telegram user in the emulator, seen from a test: write, read the bot's replies, tap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.testkit.emulator import ChatMessage, Emulator, User


@dataclass
class ChatUser:
    """A user's side of a private chat with the bot (private chat id == user id)."""

    emu: Emulator
    user: User
    welcome: ChatMessage | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id

    async def send(self, text: str) -> ChatMessage:
        """Write to the bot; returns the user's own message."""
        return await self.emu.send_text(self.id, text)

    async def ask(self, text: str, timeout: float = 5) -> ChatMessage:  # noqa: ASYNC109
        """Write to the bot and return its first reply (earlier replies are skipped)."""
        self.emu.skip_bot_messages(self.id)
        await self.send(text)
        return await self.emu.next_bot_message(self.id, timeout)

    async def next(self, timeout: float = 5) -> ChatMessage:  # noqa: ASYNC109
        """The bot's next new message in this chat."""
        return await self.emu.next_bot_message(self.id, timeout)

    async def tap(self, message: ChatMessage | int, button: str,
                  timeout: float = 5) -> dict:  # noqa: ASYNC109
        """Tap an inline button (by text or callback_data); returns the bot's callback answer."""
        query_id = await self.emu.tap(self.id, message, button)
        return await self.emu.wait_answer(query_id, timeout)

    def transcript(self) -> list[ChatMessage]:
        return self.emu.transcript(self.id)

    def last_bot_message(self) -> ChatMessage | None:
        msgs = self.emu.bot_messages(self.id)
        return msgs[-1] if msgs else None

    def block(self) -> None:
        self.emu.block(self.id)

    def unblock(self) -> None:
        self.emu.unblock(self.id)
