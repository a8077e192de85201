"""A card as a Telegram message: `render_card` (pure) decides text and buttons, `send_card`
sends it (from a handler or from the delivery engine's outbox sender).

Every card carries buttons: 👍 useful / 👎 not useful, and a way back (to the search results,
to its topic). A quiz shows its options as buttons until the officer has answered; then their
answer, right or wrong, and the explanation. An SOP shows a one-tap "read and understood" button
tied to the card's version; once confirmed the card says so with the date, and when the SOP
changes the button comes back.

Materials: an image (infographic) and/or a document (the full SOP) go first; the card's text is
the caption of the last one when it fits Telegram's 1,024 characters, else a follow-up message.
Each file is uploaded once; Telegram's `file_id` is cached by the file's sha256 and reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.callbacks import MAX_BYTES, encode
from bot.chatkit.ui import LABEL_FIT, NO_PREVIEW, Button, actions_in, button, esc, keyboard
from bot.clock import iso, parse_iso, utcnow
from bot.i18n import format_day, gettext_for
from bot.store import Store, engagement
from bot.store.engagement import CardState

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
OPTION_LETTERS = "ABCDEFGHIJ"
_TAG = re.compile(r"<[^>]*>")


def telegram_length(html_text: str) -> int:
    """What Telegram counts: code points of the text after entity parsing."""
    return len(html.unescape(_TAG.sub("", html_text)))


def version_tag(version: str, card_id: str = "") -> str:
    """A short hex tag of a card version, for the "read and understood" button's data: 10 hex
    digits, fewer for long card ids so the data fits Telegram's 64 bytes."""
    room = MAX_BYTES - len(encode("ack", card_id or "x", "0")) + 1
    return hashlib.sha256(str(version).encode("utf-8")).hexdigest()[:max(6, min(10, room))]


@dataclass(frozen=True)
class CardContext:
    """Where the card was opened from: decides the "back" button."""

    back: Literal["results", "topic", "none"] = "none"

    @classmethod
    def from_keyboard(cls, markup: InlineKeyboardMarkup | None) -> CardContext:
        """The context of a card already sent, read back from its buttons."""
        actions = [a for a, _args in actions_in(markup)]
        if "res" in actions:
            return cls("results")
        if "topic" in actions:
            return cls("topic")
        return cls("none")


@dataclass(frozen=True)
class CardMessage:
    card_id: str
    lang: str
    body_html: str  # title and body (and a quiz's question and options)
    status_html: str  # what this officer did with it (quiz answer, acknowledgement), or ""
    keyboard: InlineKeyboardMarkup | None
    image_path: str | None = None
    document_path: str | None = None
    image_sha256: str | None = None
    document_sha256: str | None = None

    @property
    def text_html(self) -> str:
        """The card's message: body and status together when they fit one message."""
        if not self.status_html:
            return self.body_html
        joined = f"{self.body_html}\n\n{self.status_html}"
        return joined if telegram_length(joined) <= TEXT_LIMIT else self.body_html

    @property
    def followup_html(self) -> str | None:
        """The status, when it does not fit the card's message and goes in its own."""
        if self.status_html and self.text_html == self.body_html:
            return self.status_html
        return None

    @property
    def texts(self) -> list[str]:
        return [t for t in (self.text_html, self.followup_html) if t]


def _attr(card: Any, name: str, default: Any = None) -> Any:
    return getattr(card, name, default)


def _material(value: Any) -> tuple[str | None, str | None]:
    """(path, sha256) of a card's image or document, whatever shape the card model gives."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str | os.PathLike):
        return str(value), None
    return str(value.path), _attr(value, "sha256")


def _date(at: str, lang: str, tz: str | None) -> str:
    moment = parse_iso(at)
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return format_day(moment.date(), lang)


def _quiz_body(quiz: Any) -> str:
    question = quiz.question_html or esc(quiz.question)
    options = "\n".join(f"{OPTION_LETTERS[i]}) {esc(o)}" for i, o in enumerate(quiz.options))
    return f"{question}\n\n{options}"


def _quiz_status(quiz: Any, answer: engagement.QuizAnswer, lang: str) -> str:
    _ = gettext_for(lang)
    mine = answer.choice - 1
    letter = OPTION_LETTERS[mine] if 0 <= mine < len(quiz.options) else "?"
    if answer.correct:
        head = "✅ " + _("Your answer: %(letter)s. Correct!") % {"letter": letter}
    else:
        right = OPTION_LETTERS[quiz.answer - 1]
        head = "❌ " + _("Your answer: %(letter)s. The right answer is %(right)s.") % {
            "letter": letter, "right": right}
    explanation = quiz.explanation_html or esc(quiz.explanation)
    return f"<b>{head}</b>\n{explanation}" if explanation else f"<b>{head}</b>"


def _option_rows(card_id: str, options: Any) -> list[list[Button]]:
    """A quiz's answer buttons: "A) option" one per row when every option fits a phone's
    button, else the letters alone side by side (the options are listed in the text)."""
    labels = [f"{OPTION_LETTERS[i]}) {' '.join(str(o).split())}" for i, o in enumerate(options)]
    if all(len(label) <= LABEL_FIT for label in labels):
        return [[button(label, "quiz", card_id, i + 1)] for i, label in enumerate(labels)]
    letters = [button(OPTION_LETTERS[i], "quiz", card_id, i + 1) for i in range(len(labels))]
    per_row = 5 if len(letters) > 5 else len(letters)
    return [letters[i:i + per_row] for i in range(0, len(letters), per_row)]


def render_card(
    card: Any,
    lang: str,
    *,
    officer_state: CardState | None = None,
    context: CardContext | None = None,
    timezone: str | None = None,
) -> CardMessage:
    """The message for one card, for one officer. Pure.

    `card` is the store's card (id, lang, title, kind, topic, body_html, version, quiz, image,
    document); `lang` is the officer's language (for buttons and status lines).
    """
    _ = gettext_for(lang)
    state = officer_state or CardState()
    context = context or CardContext()
    card_id, kind = card.id, str(_attr(card, "kind", "practice"))
    quiz = _attr(card, "quiz") if kind == "quiz" else None

    body = f"<b>{esc(card.title)}</b>"
    if _attr(card, "body_html"):
        body += f"\n\n{card.body_html}"
    if quiz is not None:
        with_quiz = f"{body}\n\n{_quiz_body(quiz)}"
        # the question and options must fit one message with the title; the intro may go
        body = with_quiz if telegram_length(with_quiz) <= TEXT_LIMIT else (
            f"<b>{esc(card.title)}</b>\n\n{_quiz_body(quiz)}")

    rows: list[list[Button]] = []
    status: list[str] = []
    if _attr(card, "lang", lang) != lang:
        status.append("<i>" + esc(_("Available in Spanish only") if card.lang == "es"
                                  else _("Available in English only")) + "</i>")
    if quiz is not None:
        if state.quiz is None:
            rows.extend(_option_rows(card_id, quiz.options))
        else:
            status.append(_quiz_status(quiz, state.quiz, lang))
    if kind == "sop":
        version = str(_attr(card, "version") or "")
        if state.ack is not None and state.ack.version == version:
            status.append("✓ " + esc(_("Read and understood (%(date)s)") % {
                "date": _date(state.ack.at, lang, timezone)}))
        else:
            if state.ack is not None:
                status.append("⚠️ " + esc(_(
                    "This procedure changed after you confirmed it on %(date)s. "
                    "Please read it again.") % {"date": _date(state.ack.at, lang, timezone)}))
            rows.append([button("✅ " + _("Read and understood"), "ack", card_id,
                                version_tag(version, card_id))])

    useful, not_useful = "👍 " + _("Useful"), "👎 " + _("Not useful")
    if state.feedback == "useful":
        useful = "✓ " + useful
    elif state.feedback == "not_useful":
        not_useful = "✓ " + not_useful
    rows.append([button(useful, "fb", card_id, "y"), button(not_useful, "fb", card_id, "n")])

    topic = _attr(card, "topic")
    if context.back == "results":
        rows.append([button("◀ " + _("Back to results"), "res")])
    elif topic:
        label = _("Back to topic") if context.back == "topic" else _("More on this topic")
        rows.append([button("📚 " + label, "topic", topic)])

    image_path, image_sha = _material(_attr(card, "image"))
    document_path, document_sha = _material(_attr(card, "document"))
    return CardMessage(
        card_id=card_id, lang=lang, body_html=body, status_html="\n\n".join(status),
        keyboard=keyboard(rows), image_path=image_path, document_path=document_path,
        image_sha256=image_sha, document_sha256=document_sha,
    )


def feedback_marked(markup: InlineKeyboardMarkup | None, value: str,
                    lang: str) -> InlineKeyboardMarkup | None:
    """The same keyboard with the officer's feedback choice ticked. Pure. The labels stay in
    the card's language (the officer may have switched language since it was sent)."""
    if markup is None:
        return None
    _ = gettext_for(lang)
    labels = {"y": "👍 " + _("Useful"), "n": "👎 " + _("Not useful")}
    chosen = "y" if value == "useful" else "n"
    rows = []
    for row in markup.inline_keyboard:
        new_row: list[Button] = []
        for b in row:
            data = b.callback_data if isinstance(b.callback_data, str) else ""
            found = actions_in(InlineKeyboardMarkup([[b]]))
            if found and found[0][0] == "fb":
                flag = found[0][1][1]
                label = b.text.removeprefix("✓ ") or labels[flag]
                new_row.append(("✓ " + label if flag == chosen else label, data))
            else:
                new_row.append((b.text, data))
        rows.append(new_row)
    return keyboard(rows)


# --- sending ---------------------------------------------------------------------------------

_hashes: dict[tuple[str, int, int], str] = {}
_locks: WeakKeyDictionary[Store, dict[str, asyncio.Lock]] = WeakKeyDictionary()


def file_sha256(path: str) -> str:
    """The file's sha256, computed once per (path, size, mtime) in this process."""
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    digest = _hashes.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = _hashes[key] = h.hexdigest()
    return digest


def _file_id(message: Message, kind: str) -> str | None:
    if kind == "photo":
        return message.photo[-1].file_id if message.photo else None
    return message.document.file_id if message.document else None


async def _send_media(bot: Bot, store: Store, chat_id: int, kind: str, path: str,
                      sha: str | None, **kwargs: Any) -> Message:
    """Send a photo or document, by cached file_id when Telegram has the file already."""
    if sha is None:
        sha = await asyncio.to_thread(file_sha256, path)
    send = bot.send_photo if kind == "photo" else bot.send_document
    field = "photo" if kind == "photo" else "document"

    async def upload() -> Message:
        data = await asyncio.to_thread(Path(path).read_bytes)
        upload_file = InputFile(data, filename=Path(path).name)
        message = await send(chat_id, **{field: upload_file}, **kwargs)
        file_id = _file_id(message, kind)
        if file_id:
            await store.run(engagement.cache_file_id, sha, kind, file_id, at=iso(utcnow()))
        return message

    cached = await store.run(engagement.cached_file_id, sha)
    if cached is None:
        lock = _locks.setdefault(store, {}).setdefault(sha, asyncio.Lock())
        async with lock:  # one upload per file, however many sends wait for it
            cached = await store.run(engagement.cached_file_id, sha)
            if cached is None:
                return await upload()
    try:
        return await send(chat_id, **{field: cached}, **kwargs)
    except BadRequest as exc:
        text = str(exc).lower()
        if "file" not in text and "identifier" not in text:
            raise
        log.warning("cached file_id refused by Telegram (%s); uploading again", exc.message)
        await store.run(engagement.drop_file_id, sha)
        return await upload()


async def send_card(
    bot: Bot,
    store: Store,
    chat_id: int,
    card_message: CardMessage,
    *,
    disable_notification: bool = False,
) -> list[int]:
    """Send a rendered card; return the ids of the messages sent, in order.

    Usable outside a handler (the delivery engine calls it). Telegram's errors (Forbidden,
    RetryAfter, BadRequest, TimedOut...) propagate to the caller.
    """
    media = [
        (kind, path, sha)
        for kind, path, sha in (
            ("photo", card_message.image_path, card_message.image_sha256),
            ("document", card_message.document_path, card_message.document_sha256),
        )
        if path
    ]
    present = []
    for kind, path, sha in media:
        if await asyncio.to_thread(os.path.isfile, path):
            present.append((kind, path, sha))
        else:
            log.warning("card %s: material missing on disk: %s", card_message.card_id, path)
    texts = card_message.texts
    caption_fits = len(texts) == 1 and telegram_length(texts[0]) <= CAPTION_LIMIT
    common: dict[str, Any] = {"disable_notification": disable_notification}
    sent: list[int] = []
    for i, (kind, path, sha) in enumerate(present):
        last = i == len(present) - 1
        extra: dict[str, Any] = dict(common)
        if last and caption_fits:
            extra.update(caption=texts[0], parse_mode=ParseMode.HTML,
                         reply_markup=card_message.keyboard)
        message = await _send_media(bot, store, chat_id, kind, path, sha, **extra)
        sent.append(message.message_id)
        if last and caption_fits:
            return sent
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        message = await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_markup=card_message.keyboard if last else None, **common,
        )
        sent.append(message.message_id)
    return sent


def open_data(card_id: str) -> str:
    """The callback data of a button that opens a card (for other areas' keyboards)."""
    return encode("open", card_id)
