"""Sending a rendered card (`bot.content.cardview.CardMessage`): `CardSender`, one per store,
used by the chat handlers (`context.cards`) and by the delivery engine's outbox sender.

Materials go first (an image, then a document), the card's text as the caption of the last
one when it fits, else in its own message. A material is uploaded only while its bytes still
have the sha256 taken at import, read without following a link put in its place
(`read_verified`); otherwise the card goes without it. Each file is uploaded once:
Telegram's `file_id` is kept in the store by the file's sha256 (computed at import;
`bot.store.engagement`) and reused, and one upload of a file runs at a time, however many
sends wait for it. The chat's
sender and the outbox's are two objects on the same store: they share the file_ids, not the
upload locks (two first sends of a new file at the same moment may both upload it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.chatkit.ui import NO_PREVIEW
from bot.clock import utcnow
from bot.content.cardview import CAPTION_LIMIT, CardMessage
from bot.content.render import telegram_length
from bot.store import Store, engagement
from bot.telegram_request import post_without_reply

log = logging.getLogger(__name__)


class MaterialChanged(Exception):
    """A card's image or document is no longer the file checked and hashed at import."""


MATERIAL_LIMIT = 50 * 1024 * 1024  # Telegram's sendDocument limit; photos are smaller


def read_verified(path: str, sha: str | None) -> bytes:
    """The material's bytes, when they are still those hashed at import; else
    `MaterialChanged`. A link put in the file's place is not followed (O_NOFOLLOW), so a
    changed attachment can never send another file of the server to officers."""
    if not sha:
        raise MaterialChanged("no hash recorded at import")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise MaterialChanged(f"cannot open it: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MATERIAL_LIMIT + 1)
    if len(data) > MATERIAL_LIMIT or hashlib.sha256(data).hexdigest() != sha:
        raise MaterialChanged("its content changed since the import")
    return data


def _file_id(message: Message, kind: str) -> str | None:
    if kind == "photo":
        return message.photo[-1].file_id if message.photo else None
    return message.document.file_id if message.document else None


class CardSender:
    """Sends rendered cards to one chat at a time, for one store's file_id cache."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._locks: dict[str, asyncio.Lock] = {}  # sha256 -> one upload at a time

    async def send(self, bot: Bot, chat_id: int, card: CardMessage, *,
                   disable_notification: bool = False, paid: bool = False) -> list[int]:
        """Send a rendered card; return the ids of the messages sent, in order.

        Usable outside a handler (the delivery engine calls it). Telegram's errors (Forbidden,
        RetryAfter, BadRequest, TimedOut...) propagate to the caller.
        """
        present: list[tuple[str, str, str]] = []  # (kind, path, sha256) of files on disk
        for kind, path, sha in (("photo", card.image_path, card.image_sha256),
                                ("document", card.document_path, card.document_sha256)):
            if not path:
                continue
            if sha and await self.store.run(engagement.cached_file_id, sha):
                present.append((kind, path, sha))  # Telegram has it, checked at its upload
                continue
            try:
                await asyncio.to_thread(read_verified, path, sha)
            except MaterialChanged as exc:
                log.warning("card %s: %s %s not sent: %s (run content import)",
                            card.card_id, kind, Path(path).name, exc)
                continue
            present.append((kind, path, sha or ""))
        texts = card.texts
        caption_fits = len(texts) == 1 and telegram_length(texts[0]) <= CAPTION_LIMIT
        common: dict[str, Any] = {"disable_notification": disable_notification}
        if paid:  # a paid broadcast: every message of the card, photo and document included
            common["allow_paid_broadcast"] = True
        sent: list[int] = []
        for i, (kind, path, sha) in enumerate(present):
            last = i == len(present) - 1
            extra: dict[str, Any] = dict(common)
            if last and caption_fits:
                extra.update(caption=texts[0], parse_mode=ParseMode.HTML,
                             reply_markup=card.keyboard)
            try:
                message = await self._send_media(bot, chat_id, kind, path, sha, **extra)
            except MaterialChanged as exc:  # changed since the check above: the text still goes
                log.warning("card %s: %s %s not sent: %s (run content import)",
                            card.card_id, kind, Path(path).name, exc)
                continue
            sent.append(message.message_id)
            if last and caption_fits:
                return sent
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            message = await bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                reply_markup=card.keyboard if last else None, **common,
            )
            sent.append(message.message_id)
        return sent

    async def deliver(self, bot: Bot, chat_id: int, card: CardMessage, *,
                      paid: bool = False) -> None:
        """Send a card when nobody needs the message ids (the outbox, previews): a text-only
        card is one sendMessage whose answer is not parsed into PTB objects (that parsing costs
        more than the HTTP call); cards with media go through `send`."""
        texts = card.texts
        if card.image_path or card.document_path or len(texts) != 1:
            await self.send(bot, chat_id, card, paid=paid)
            return
        data: dict[str, Any] = {
            "chat_id": chat_id, "text": texts[0], "parse_mode": ParseMode.HTML,
            "link_preview_options": NO_PREVIEW, "reply_markup": card.keyboard}
        if paid:
            data["allow_paid_broadcast"] = True
        await post_without_reply(bot, "sendMessage", data)

    async def _send_media(self, bot: Bot, chat_id: int, kind: str, path: str, sha: str,
                          **kwargs: Any) -> Message:
        """Send a photo or document, by cached file_id when Telegram has the file already (it
        was uploaded after the same check); an upload reads the file only if it still matches
        its import hash (`read_verified`), else raises `MaterialChanged`."""
        store = self.store

        async def send(file: InputFile | str) -> Message:
            if kind == "photo":
                return await bot.send_photo(chat_id, photo=file, **kwargs)
            return await bot.send_document(chat_id, document=file, **kwargs)

        async def upload() -> Message:
            data = await asyncio.to_thread(read_verified, path, sha)
            message = await send(InputFile(data, filename=Path(path).name))
            file_id = _file_id(message, kind)
            if file_id:
                await store.run(engagement.cache_file_id, sha, kind, file_id, at=utcnow())
            return message

        cached = await store.run(engagement.cached_file_id, sha)
        if cached is None:
            lock = self._locks.setdefault(sha, asyncio.Lock())
            async with lock:  # one upload per file, however many sends wait for it
                cached = await store.run(engagement.cached_file_id, sha)
                if cached is None:
                    return await upload()
        try:
            return await send(cached)
        except BadRequest as exc:
            text = str(exc).lower()
            if "file" not in text and "identifier" not in text:
                raise
            log.warning("cached file_id refused by Telegram (%s); uploading again", exc.message)
            await store.run(engagement.drop_file_id, sha)
            return await upload()
