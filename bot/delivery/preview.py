"""Preview: send a card exactly as the campaign would, to one comms or admin user only."""

from __future__ import annotations

from typing import Any

from bot.chatkit.cards import CardSender
from bot.config import DEMO_PORT, DEMO_TOKEN
from bot.delivery.sender import render
from bot.errors import ConfigError, InvalidInput, NotFound
from bot.store import Store, cards, officers


def preview_target(db: Any, user_id: int, option: str = "--preview") -> officers.Officer:
    """The staff member a preview goes to; officers cannot be sent previews. `option` is the
    command-line option that named them, for the error messages."""
    person = officers.get_officer(db, user_id)
    if person is None or not person.active:
        raise NotFound(f"{option} {user_id}: no active enrolled user with that id")
    if not person.can_manage_content:
        raise InvalidInput(f"{option} {user_id}: previews go to comms or admin users only")
    return person


async def send_preview(store: Store, bot: Any, user_id: int, card_id: str,
                       kind: str = "reminder") -> int:
    """Send the rendered card (with the campaign's header) to `user_id`; return messages sent."""
    person = await store.run(preview_target, user_id)
    card = await store.run(cards.get_card, card_id, person.language)
    if card is None:
        raise NotFound(f"unknown card {card_id!r}")
    message, _count = render(card, person.language, kind, preview=True)
    await CardSender(store).deliver(bot, user_id, message)
    return len(message.texts)


async def preview_with_settings(settings: Any, store: Store, user_id: int, card_id: str,
                                kind: str, option: str = "--preview") -> int:
    """For the CLI: a short-lived bot on PREGONERO_API_URL sends one preview, through its own
    flood limiter (a 429 is waited out and retried, as the running bot does). `option`: the
    command-line option that named the person, for the error message."""
    from bot.telegram_limiter import limited_bot
    from bot.telegram_request import AiohttpRequest

    if not settings.bot_token:
        raise ConfigError(
            f"{option} sends a preview through Telegram and needs PREGONERO_BOT_TOKEN; against "
            f"`pregonero demo` set PREGONERO_BOT_TOKEN={DEMO_TOKEN} PREGONERO_API_URL="
            f"http://127.0.0.1:{DEMO_PORT}/bot (or preview with /proximos in the chat)")
    bot = limited_bot(settings.bot_token, base_url=settings.api_url, request=AiohttpRequest())
    async with bot:
        return await send_preview(store, bot, user_id, card_id, kind)
