"""The enrollment gate and usage tracking: handler group -1 sees every update first.

Only active officers get through, plus `/start <code>` from anyone (the start handler enrolls),
and an invitation link pasted as text instead of opened (handled the same way).
Configured admins (PREGONERO_ADMINS) are made admins on their first update, invite or not.
Anyone else gets a short bilingual refusal (we do not know their language yet) and no content,
whatever they send: a button tap gets the refusal as the tap's answer, other updates are
dropped silently. Group chats and channels are ignored: the bot talks in private chats only.
When a person blocks the bot (a `my_chat_member` update) they are marked blocked, so nothing
more is sent to them; when they restart it, they are active again.
"""

from __future__ import annotations

import re
from enum import StrEnum

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.chat.menus import set_chat_menu
from bot.chatkit.commands import parse_command
from bot.chatkit.context import ChatContext
from bot.chatkit.ui import bilingual
from bot.clock import utcnow
from bot.i18n import N_, normalize_lang
from bot.metrics import UPDATES_HANDLED
from bot.store import officers

GROUP = -1

REFUSAL = N_(
    "This bot is only for enrolled staff. To join, open the invitation link "
    "your coordinator sent you."
)

REFUSAL_SHORT = N_("Only for enrolled staff: open your invitation link.")


class Decision(StrEnum):
    PASS = "pass"  # an officer, or someone enrolling with /start <code>
    REFUSE_MESSAGE = "refuse_message"  # reply with the refusal
    REFUSE_TAP = "refuse_tap"  # answer the button tap with the refusal
    DROP = "drop"  # say nothing


def update_kind(update: Update) -> str:
    """A short label for metrics: message, command, callback, my_chat_member, other."""
    if update.callback_query is not None:
        return "callback"
    message = update.message or update.edited_message
    if message is not None:
        return "command" if (message.text or "").startswith("/") else "message"
    if update.my_chat_member is not None:
        return "my_chat_member"
    return "other"


_INVITE_LINK = re.compile(
    r"(?:https?://)?(?:t|telegram)\.me/[A-Za-z0-9_]{3,64}/?\?start=([A-Za-z0-9_-]{1,64})",
    re.IGNORECASE)


def start_code(text: str | None) -> str | None:
    """The invite code of `/start <code>`, or of an invitation link pasted into the chat
    instead of opened (`https://t.me/<bot>?start=<code>`), or None. Pure."""
    parsed = parse_command(text)
    if parsed is not None:
        if parsed.name != "start" or not parsed.args:
            return None
        return parsed.args.split()[0]
    match = _INVITE_LINK.search(text or "")
    return match.group(1) if match else None


def decide(*, private: bool, is_officer: bool, kind: str, code: str | None) -> Decision:
    """What the gate does with one update. Pure."""
    if not private:
        return Decision.DROP
    if is_officer:
        return Decision.PASS
    if kind in ("command", "message") and code:
        return Decision.PASS
    if kind in ("message", "command"):
        return Decision.REFUSE_MESSAGE
    if kind == "callback":
        return Decision.REFUSE_TAP
    return Decision.DROP


def membership_change(old_status: str, new_status: str) -> str | None:
    """`blocked` when a private user blocks the bot, `unblocked` when they restart it. Pure."""
    if new_status == "kicked" and old_status != "kicked":
        return "blocked"
    if old_status == "kicked" and new_status != "kicked":
        return "unblocked"
    return None


async def _membership(update: Update, context: ChatContext) -> None:
    """The person blocked or unblocked the bot: stop or resume sending them anything."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    what = membership_change(change.old_chat_member.status, change.new_chat_member.status)
    if what == "blocked":
        await context.store.run(officers.mark_blocked, change.chat.id)
    elif what == "unblocked":
        await context.store.run(officers.active_officer, change.chat.id)


async def gate(update: Update, context: ChatContext) -> None:
    """Find the officer behind the update, or refuse and stop every other handler."""
    kind = update_kind(update)
    UPDATES_HANDLED.labels(kind).inc()
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        raise ApplicationHandlerStop
    if kind == "my_chat_member":
        await _membership(update, context)
        raise ApplicationHandlerStop
    private = chat is None or chat.type == ChatType.PRIVATE
    store, settings = context.store, context.settings
    officer = await store.run(officers.active_officer, user.id) if private else None
    if officer is None and private and user.id in settings.admins:
        context.just_joined = await store.run(officers.get_officer, user.id) is None
        officer = await store.run(
            officers.ensure_admin, user.id, language=normalize_lang(user.language_code),
            timezone=settings.timezone, now=utcnow(),
        )
        await set_chat_menu(context.bot, officer)
    context.officer = officer
    message = update.message or update.edited_message
    code = start_code(message.text) if message is not None else None
    decision = decide(private=private, is_officer=officer is not None, kind=kind, code=code)
    if decision == Decision.PASS:
        return
    if decision == Decision.REFUSE_MESSAGE and chat is not None:
        await chat.send_message(bilingual(REFUSAL))
    elif decision == Decision.REFUSE_TAP and update.callback_query is not None:
        await update.callback_query.answer(bilingual(REFUSAL_SHORT, sep=" / "), show_alert=True)
    raise ApplicationHandlerStop


def handler() -> TypeHandler:
    return TypeHandler(Update, gate)
